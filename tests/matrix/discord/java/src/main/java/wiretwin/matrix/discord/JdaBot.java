package wiretwin.matrix.discord;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import net.dv8tion.jda.api.JDA;
import net.dv8tion.jda.api.JDABuilder;
import net.dv8tion.jda.api.components.actionrow.ActionRow;
import net.dv8tion.jda.api.components.buttons.Button;
import net.dv8tion.jda.api.components.label.Label;
import net.dv8tion.jda.api.components.textinput.TextInput;
import net.dv8tion.jda.api.components.textinput.TextInputStyle;
import net.dv8tion.jda.api.entities.Guild;
import net.dv8tion.jda.api.entities.emoji.Emoji;
import net.dv8tion.jda.api.events.guild.member.GuildMemberJoinEvent;
import net.dv8tion.jda.api.events.interaction.ModalInteractionEvent;
import net.dv8tion.jda.api.events.interaction.command.CommandAutoCompleteInteractionEvent;
import net.dv8tion.jda.api.events.interaction.command.SlashCommandInteractionEvent;
import net.dv8tion.jda.api.events.interaction.component.ButtonInteractionEvent;
import net.dv8tion.jda.api.events.message.MessageReceivedEvent;
import net.dv8tion.jda.api.events.message.react.MessageReactionAddEvent;
import net.dv8tion.jda.api.events.session.ReadyEvent;
import net.dv8tion.jda.api.exceptions.ErrorResponseException;
import net.dv8tion.jda.api.hooks.ListenerAdapter;
import net.dv8tion.jda.api.interactions.commands.Command;
import net.dv8tion.jda.api.modals.Modal;
import net.dv8tion.jda.api.requests.GatewayIntent;
import net.dv8tion.jda.api.requests.RestConfig;
import net.dv8tion.jda.api.sharding.DefaultShardManagerBuilder;
import net.dv8tion.jda.api.sharding.ShardManager;
import net.dv8tion.jda.api.utils.ConcurrentSessionController;

/**
 * The Discord matrix's scenario bot for JDA: {@code java -cp ... JdaBot '<settings JSON>'}.
 *
 * <p>JDA takes its REST base from {@link RestConfig#setBaseUrl} (the twin's /api/v10/); its
 * first gateway URL comes from its session controller (Discord's, fixed, by default), so
 * the bot gives it one whose getGateway() is the twin's. Behaves as tests/matrix/discord/checks.py says;
 * prints JSON lines ("ready" with its guilds, "error", "fatal" with what awaitReady threw);
 * {"cmd":"exit"} on stdin closes it.
 * Handlers run on one thread of their own, so their blocking REST calls (complete()) never
 * hold up JDA's event thread.
 */
public final class JdaBot extends ListenerAdapter {
  private static final Gson GSON = new Gson();
  private final ExecutorService work = Executors.newSingleThreadExecutor();
  private final AtomicInteger ready = new AtomicInteger();
  private final int shards;
  private final String locked;
  private JDA single;
  private ShardManager manager;

  private JdaBot(int shards, String locked) {
    this.shards = shards;
    this.locked = locked;
  }

  static synchronized void out(Map<String, Object> line) {
    System.out.println(GSON.toJson(line));
    System.out.flush();
  }

  static void error(String where, Throwable error) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "error");
    line.put("where", where);
    line.put("message", String.valueOf(error));
    out(line);
  }

  private void run(String where, Runnable body) {
    work.submit(() -> {
      try {
        body.run();
      } catch (Throwable error) {
        error(where, error);
      }
    });
  }

  private List<Guild> guilds() {
    return manager != null ? manager.getGuilds() : single.getGuilds();
  }

  @Override
  public void onReady(ReadyEvent event) {
    if (ready.incrementAndGet() != shards) {
      return;
    }
    run("ready", () -> {
      List<String> ids = new ArrayList<>();
      for (Guild guild : guilds()) {
        ids.add(guild.getId());
      }
      ids.sort(null);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("type", "ready");
      line.put("guilds", ids);
      out(line);
    });
  }

  @Override
  public void onMessageReceived(MessageReceivedEvent event) {
    if (event.getAuthor().isBot()) {
      return;
    }
    String[] words = event.getMessage().getContentRaw().trim().split("\\s+");
    if (words.length < 2) {
      return;
    }
    var channel = event.getChannel();
    run("message", () -> {
      switch (words[0]) {
        case "!ping" -> channel.sendMessage("pong " + words[1]).complete();
        case "!button" -> channel.sendMessage("button " + words[1])
            .addComponents(ActionRow.of(Button.primary("open:" + words[1], "Open"))).complete();
        case "!react" -> event.getMessage().addReaction(Emoji.fromUnicode("✅")).complete();
        case "!forbidden" -> {
          try {
            event.getJDA().getTextChannelById(locked).sendMessage("not allowed here").complete();
          } catch (ErrorResponseException error) {
            channel.sendMessage("forbidden " + error.getResponse().code + " "
                + error.getErrorCode() + " " + words[1])
                .complete();
          }
        }
        case "!burst" -> {
          int count = Integer.parseInt(words[2]);
          for (int i = 1; i <= count; i++) {
            channel.sendMessage("burst " + words[1] + " " + i).complete();
          }
        }
        default -> { }
      }
    });
  }

  @Override
  public void onMessageReactionAdd(MessageReactionAddEvent event) {
    if (event.getUserIdLong() == event.getJDA().getSelfUser().getIdLong()) {
      return;
    }
    run("reaction", () -> event.getChannel()
        .sendMessage("reaction " + event.getEmoji().getName() + " " + event.getUserId())
        .complete());
  }

  @Override
  public void onGuildMemberJoin(GuildMemberJoinEvent event) {
    run("join", () -> event.getGuild().getTextChannelsByName("general", false).get(0)
        .sendMessage("welcome " + event.getUser().getId()).complete());
  }

  @Override
  public void onSlashCommandInteraction(SlashCommandInteractionEvent event) {
    run("slash", () -> event.reply("echo " + event.getOption("text").getAsString() + " x"
        + event.getOption("times").getAsLong()).complete());
  }

  @Override
  public void onCommandAutoCompleteInteraction(CommandAutoCompleteInteractionEvent event) {
    String typed = event.getFocusedOption().getValue();
    run("autocomplete", () -> event.replyChoices(
        new Command.Choice(typed + "-1", typed + "-1"),
        new Command.Choice(typed + "-2", typed + "-2")).complete());
  }

  @Override
  public void onButtonInteraction(ButtonInteractionEvent event) {
    String n = event.getComponentId().split(":", 2)[1];
    Modal modal = Modal.create("form:" + n, "Form")
        .addComponents(Label.of("Answer",
            TextInput.create("answer", TextInputStyle.SHORT).build()))
        .build();
    run("button", () -> event.replyModal(modal).complete());
  }

  @Override
  public void onModalInteraction(ModalInteractionEvent event) {
    String n = event.getModalId().split(":", 2)[1];
    run("modal", () -> event.reply("modal " + event.getValue("answer").getAsString() + " " + n)
        .complete());
  }

  /** JDA's session controller for max_concurrency above 1, dialling the twin's gateway. */
  static final class TwinGateway extends ConcurrentSessionController {
    private final String url;

    TwinGateway(String url) {
      this.url = url;
    }

    @Override
    public String getGateway() {
      return url;
    }
  }

  public static void main(String[] args) throws Exception {
    JsonObject settings = GSON.fromJson(args[0], JsonObject.class);
    String token = settings.get("token").getAsString();
    String base = settings.get("rest").getAsString() + "/";
    boolean sharded = settings.has("shards") && !settings.get("shards").isJsonNull();
    int shards = sharded ? settings.get("shards").getAsInt() : 1;
    JdaBot bot = new JdaBot(shards, settings.get("locked").getAsString());
    EnumSet<GatewayIntent> intents = EnumSet.of(GatewayIntent.GUILD_MEMBERS,
        GatewayIntent.GUILD_MESSAGES, GatewayIntent.GUILD_MESSAGE_REACTIONS,
        GatewayIntent.MESSAGE_CONTENT);
    RestConfig rest = new RestConfig().setBaseUrl(base);
    TwinGateway gateway = new TwinGateway(settings.get("gateway").getAsString());
    if (sharded) {
      bot.manager = DefaultShardManagerBuilder.createLight(token, intents)
          .setRestConfig(rest).setSessionController(gateway).setShardsTotal(shards).setShards(0, shards - 1)
          .addEventListeners(bot).build();
    } else {
      bot.single = JDABuilder.createLight(token, intents).setRestConfig(rest)
          .setSessionController(gateway).addEventListeners(bot).build();
      try {
        bot.single.awaitReady();
      } catch (IllegalStateException error) {
        // A close JDA does not reconnect after (4014 for a privileged intent the
        // application may not ask for) shuts it down, and awaitReady throws with why.
        Map<String, Object> fatal = new LinkedHashMap<>();
        fatal.put("type", "fatal");
        fatal.put("where", "JDA.awaitReady");
        fatal.put("message", String.valueOf(error));
        out(fatal);
      }
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.contains("\"exit\"")) {
        break;
      }
    }
    if (bot.manager != null) {
      bot.manager.shutdown();
    } else {
      bot.single.shutdownNow();
    }
    bot.work.shutdownNow();
    System.exit(0);
  }
}
