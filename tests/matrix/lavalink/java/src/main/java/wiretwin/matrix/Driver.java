package wiretwin.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbjerg.lavalink.client.LavalinkClient;
import dev.arbjerg.lavalink.client.LavalinkNode;
import dev.arbjerg.lavalink.client.Link;
import dev.arbjerg.lavalink.client.NodeOptions;
import dev.arbjerg.lavalink.client.event.PlayerUpdateEvent;
import dev.arbjerg.lavalink.client.event.ReadyEvent;
import dev.arbjerg.lavalink.client.event.TrackEndEvent;
import dev.arbjerg.lavalink.client.event.TrackStartEvent;
import dev.arbjerg.lavalink.client.player.FilterBuilder;
import dev.arbjerg.lavalink.client.player.LavalinkLoadResult;
import dev.arbjerg.lavalink.client.player.LoadFailed;
import dev.arbjerg.lavalink.client.player.PlaylistLoaded;
import dev.arbjerg.lavalink.client.player.SearchResult;
import dev.arbjerg.lavalink.client.player.Track;
import dev.arbjerg.lavalink.client.player.TrackLoaded;
import dev.arbjerg.lavalink.protocol.v4.Timescale;
import dev.arbjerg.lavalink.protocol.v4.VoiceState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The Lavalink matrix's Java host: lavalink-client (dev.arbjerg) driven by the commands of
 * ../js/driver.mjs, one JSON object a line on stdin, with the same replies and event lines
 * on stdout. Usage: java wiretwin.matrix.Driver '{"host","port","password","userId"}'.
 *
 * <p>The library has no Discord connection of its own: a bot's Discord library hands it the
 * voice server (Link.onVoiceServerUpdate, as its JDA and Discord4J helpers do), which the
 * driver does on join with the bot's voice session and a new token.
 */
public final class Driver {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(8);
  private static final String ENDPOINT = "wiretwin.discord.media:443";

  private final LavalinkClient client;
  private final LavalinkNode node;
  private final String bot;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Deque<Track> queue = new ArrayDeque<>();
  private final ExecutorService commands = Executors.newSingleThreadExecutor();
  private Link link;
  private int joins;

  private Driver(JsonNode settings) {
    bot = settings.get("userId").asText();
    client = new LavalinkClient(Long.parseLong(bot));
    client.on(ReadyEvent.class).subscribe(e -> {
      line("ready", "session_id", e.getSessionId(), "resumed", e.getResumed());
      ready.countDown();
    });
    client.on(TrackStartEvent.class).subscribe(
        e -> line("start", "title", e.getTrack().getInfo().getTitle()));
    client.on(TrackEndEvent.class).subscribe(e -> {
      String reason = e.getEndReason().name().toLowerCase();
      line("end", "title", e.getTrack().getInfo().getTitle(), "reason", reason);
      // lavalink-client has no queue: the driver plays the next track, as a bot does.
      Track next = "finished".equals(reason) ? queue.poll() : null;
      if (next != null) {
        commands.submit(() -> playTrack(next));
      }
    });
    client.on(PlayerUpdateEvent.class).subscribe(
        e -> line("update", "position", e.getState().getPosition()));
    URI uri = URI.create("ws://" + settings.get("host").asText() + ":"
        + settings.get("port").asInt());
    node = client.addNode(new NodeOptions.Builder().setName("twin").setServerUri(uri)
        .setPassword(settings.get("password").asText()).build());
  }

  private static synchronized void out(ObjectNode line) {
    try {
      System.out.println(JSON.writeValueAsString(line));
      System.out.flush();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void line(String type, Object... pairs) {
    ObjectNode line = JSON.createObjectNode();
    line.put("type", type);
    for (int i = 0; i < pairs.length; i += 2) {
      line.set((String) pairs[i], JSON.valueToTree(pairs[i + 1]));
    }
    out(line);
  }

  private LavalinkLoadResult loadItem(String identifier) {
    return node.loadItem(identifier).block(WAIT);
  }

  private Track first(String identifier) {
    LavalinkLoadResult result = loadItem(identifier);
    if (result instanceof TrackLoaded loaded) {
      return loaded.getTrack();
    }
    if (result instanceof SearchResult search) {
      return search.getTracks().get(0);
    }
    throw new IllegalStateException("no track for " + identifier + ": " + result);
  }

  private void playTrack(Track track) {
    try {
      link.createOrUpdatePlayer().setTrack(track).block(WAIT);
    } catch (Exception e) {
      line("command_error", "id", null, "message", String.valueOf(e));
    }
  }

  private Object run(JsonNode command) throws Exception {
    switch (command.get("cmd").asText()) {
      case "session" -> {
        ready.await(8, TimeUnit.SECONDS);
        return node.getSessionId();
      }
      case "load" -> {
        LavalinkLoadResult result = loadItem(command.get("identifier").asText());
        ObjectNode value = JSON.createObjectNode();
        List<String> titles = new ArrayList<>();
        String kind = "empty";
        if (result instanceof TrackLoaded loaded) {
          kind = "track";
          titles.add(loaded.getTrack().getInfo().getTitle());
        } else if (result instanceof SearchResult search) {
          kind = "search";
          search.getTracks().forEach(t -> titles.add(t.getInfo().getTitle()));
        } else if (result instanceof PlaylistLoaded playlist) {
          kind = "playlist";
          playlist.getTracks().forEach(t -> titles.add(t.getInfo().getTitle()));
          value.put("playlist", playlist.getInfo().getName());
        } else if (result instanceof LoadFailed failed) {
          kind = "error";
          value.put("error", failed.getException().getMessage());
        }
        value.put("loadType", kind);
        value.set("titles", JSON.valueToTree(titles));
        return value;
      }
      case "join" -> {
        String guild = command.get("guild").asText();
        link = client.getOrCreateLink(Long.parseLong(guild));
        joins += 1;
        // what a bot's Discord library hands on from VOICE_SERVER_UPDATE
        link.onVoiceServerUpdate(new VoiceState("voice-token-" + guild + "-" + joins,
            ENDPOINT, "voice-session-" + bot));
        return null;
      }
      case "play" -> {
        link.createOrUpdatePlayer().setTrack(first(command.get("identifier").asText()))
            .block(WAIT);
        return null;
      }
      case "queue" -> {
        List<Track> tracks = new ArrayList<>();
        command.get("identifiers").forEach(i -> tracks.add(first(i.asText())));
        queue.addAll(tracks.subList(1, tracks.size()));
        link.createOrUpdatePlayer().setTrack(tracks.get(0)).block(WAIT);
        return null;
      }
      case "pause" -> {
        link.createOrUpdatePlayer().setPaused(command.get("paused").asBoolean()).block(WAIT);
        return null;
      }
      case "seek" -> {
        link.createOrUpdatePlayer().setPosition(command.get("position").asLong()).block(WAIT);
        return null;
      }
      case "volume" -> {
        link.createOrUpdatePlayer().setVolume(command.get("volume").asInt()).block(WAIT);
        return null;
      }
      case "timescale" -> {
        double speed = command.get("speed").asDouble();
        link.createOrUpdatePlayer().setFilters(new FilterBuilder()
            .setTimescale(new Timescale(speed, 1.0, 1.0)).build()).block(WAIT);
        return null;
      }
      case "resuming" -> {
        node.enableResuming(Duration.ofSeconds(60)).block(WAIT);
        return null;
      }
      case "reset" -> {
        queue.clear();
        if (link != null) {
          link.destroy().block(WAIT);
        }
        link = null;
        return null;
      }
      default -> throw new IllegalArgumentException("unknown command " + command.get("cmd"));
    }
  }

  public static void main(String[] args) throws Exception {
    Driver driver = new Driver(JSON.readTree(args[0]));
    line("started", "library", "lavalink-client (Java)");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String raw;
    while ((raw = in.readLine()) != null) {
      if (raw.isBlank()) {
        continue;
      }
      JsonNode command = JSON.readTree(raw);
      driver.commands.submit(() -> {
        JsonNode id = command.get("id");
        try {
          Object value = driver.run(command);
          ObjectNode reply = JSON.createObjectNode();
          reply.put("type", "result");
          reply.set("id", id);
          reply.set("value", JSON.valueToTree(value));
          out(reply);
        } catch (Exception e) {
          ObjectNode reply = JSON.createObjectNode();
          reply.put("type", "command_error");
          reply.set("id", id);
          reply.put("message", String.valueOf(e));
          out(reply);
        }
      });
    }
    System.exit(0);
  }
}
