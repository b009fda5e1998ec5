// The Pusher matrix's Java host: pusher-java-client instances driven by commands on stdin,
// one JSON object a line, with observations on stdout, one JSON object a line: the same
// commands and lines as ../../js/commands.js (connect, subscribe, client_event, signin,
// reset; state, subscribed, event, signin_done, user_event, command_error, reset_done).
//
// Usage: java -cp target/classes:target/dependency/* wiretwin.matrix.Driver '<settings JSON>'
// settings = {key, host, port, channelAuthEndpoint, userAuthEndpoint}
package wiretwin.matrix;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.Channel;
import com.pusher.client.channel.PresenceChannel;
import com.pusher.client.channel.PresenceChannelEventListener;
import com.pusher.client.channel.PrivateChannel;
import com.pusher.client.channel.PrivateEncryptedChannelEventListener;
import com.pusher.client.channel.PusherEvent;
import com.pusher.client.channel.SubscriptionEventListener;
import com.pusher.client.channel.User;
import com.pusher.client.connection.ConnectionEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.client.connection.ConnectionStateChange;
import com.pusher.client.util.HttpChannelAuthorizer;
import com.pusher.client.util.HttpUserAuthenticator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class Driver {
  private static final Gson GSON = new Gson();
  private static JsonObject settings;
  private static final Map<String, Pusher> clients = new LinkedHashMap<>();

  private Driver() {}

  static synchronized void out(JsonObject line) {
    System.out.println(GSON.toJson(line));
    System.out.flush();
  }

  // PusherEvent.getData() throws a NullPointerException for an event without a data
  // field (pusher:cache_miss has none), so the driver reads it through this.
  static JsonElement dataOf(PusherEvent event) {
    try {
      return parse(event.getData());
    } catch (NullPointerException e) {
      return JsonNull.INSTANCE;
    }
  }

  static JsonElement parse(String data) {
    if (data == null) return JsonNull.INSTANCE;
    try {
      return JsonParser.parseString(data);
    } catch (RuntimeException e) {
      return GSON.toJsonTree(data);
    }
  }

  static JsonObject line(String type, String client) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    if (client != null) o.addProperty("client", client);
    return o;
  }

  static void connect(String name, String user) {
    if (clients.containsKey(name)) throw new IllegalStateException("client " + name + " exists");
    Map<String, String> headers = Map.of("X-Wiretwin-User", user);
    HttpChannelAuthorizer channelAuth =
        new HttpChannelAuthorizer(settings.get("channelAuthEndpoint").getAsString());
    channelAuth.setHeaders(headers);
    HttpUserAuthenticator userAuth =
        new HttpUserAuthenticator(settings.get("userAuthEndpoint").getAsString());
    userAuth.setHeaders(headers);
    PusherOptions options = new PusherOptions()
        .setHost(settings.get("host").getAsString())
        .setWsPort(settings.get("port").getAsInt())
        .setUseTLS(false)
        .setMaxReconnectGapInSeconds(1)
        .setChannelAuthorizer(channelAuth)
        .setUserAuthenticator(userAuth);
    Pusher pusher = new Pusher(settings.get("key").getAsString(), options);
    clients.put(name, pusher);
    pusher.user().bindGlobal(event -> {
      JsonObject o = line("user_event", name);
      o.addProperty("event", event.getEventName());
      o.add("data", dataOf(event));
      out(o);
    });
    pusher.connect(new ConnectionEventListener() {
      @Override
      public void onConnectionStateChange(ConnectionStateChange change) {
        JsonObject o = line("state", name);
        o.addProperty("current", change.getCurrentState().name().toLowerCase());
        o.addProperty("socket_id", pusher.getConnection().getSocketId());
        out(o);
      }

      @Override
      public void onError(String message, String code, Exception e) {
        JsonObject o = line("connection_error", name);
        o.addProperty("message", message);
        out(o);
      }
    }, ConnectionState.ALL);
  }

  static SubscriptionEventListener forward(String name, String channel, Set<String> skip) {
    return event -> {
      String type = event.getEventName();
      if (type.startsWith("pusher_internal:") || type.equals("pusher:subscription_succeeded")
          || skip.contains(type)) {
        return;  // reported through the listener's own callbacks
      }
      JsonObject o = line("event", name);
      o.addProperty("channel", channel);
      o.addProperty("event", type);
      o.add("data", dataOf(event));
      out(o);
    };
  }

  static void subscribed(String name, String channel, JsonObject members) {
    JsonObject o = line("subscribed", name);
    o.addProperty("channel", channel);
    o.add("members", members);
    out(o);
  }

  static void failed(String name, String channel, String message) {
    JsonObject o = line("command_error", name);
    o.addProperty("cmd", "subscribe");
    o.addProperty("channel", channel);
    o.addProperty("message", message);
    out(o);
  }

  // One listener for every kind of channel (the presence and private-encrypted channels'
  // listeners both extend the private channel's, which extends the public one's): it reports
  // the subscription, its failures and the events bound at subscribe() as lines.
  static final class Listener
      implements PresenceChannelEventListener, PrivateEncryptedChannelEventListener {
    private final String name;
    private final String channel;
    private final SubscriptionEventListener bound;

    Listener(String name, String channel) {
      this.name = name;
      this.channel = channel;
      this.bound = forward(name, channel, Set.of());
    }

    @Override
    public void onSubscriptionSucceeded(String c) {
      // a presence channel's subscription is reported with its members, below
      if (!channel.startsWith("presence-")) subscribed(name, channel, new JsonObject());
    }

    @Override
    public void onUsersInformationReceived(String c, Set<User> users) {
      JsonObject members = new JsonObject();
      for (User u : users) members.add(u.getId(), parse(u.getInfo()));
      subscribed(name, channel, members);
    }

    @Override
    public void userSubscribed(String c, User user) {
      JsonObject o = line("event", name);
      o.addProperty("channel", channel);
      o.addProperty("event", "pusher:member_added");
      o.add("data", parse(user.getInfo()));
      out(o);
    }

    @Override
    public void userUnsubscribed(String c, User user) {}

    @Override
    public void onAuthenticationFailure(String message, Exception e) {
      failed(name, channel, "authentication failure: " + message);
    }

    @Override
    public void onDecryptionFailure(String event, String reason) {
      failed(name, channel, "decryption failure of " + event + ": " + reason);
    }

    @Override
    public void onEvent(PusherEvent event) {
      bound.onEvent(event);
    }
  }

  // The events named in "bind" are bound through subscribe(..., eventNames), before the
  // subscription is sent: bindGlobal can only come after subscribe() returned, and an
  // event that comes right after the subscription (a cache channel's) can beat it.
  static void subscribe(String name, String channel, String[] bind) {
    Pusher pusher = client(name);
    Listener listener = new Listener(name, channel);
    Channel ch;
    if (channel.startsWith("presence-")) {
      ch = pusher.subscribePresence(channel, listener, bind);
    } else if (channel.startsWith("private-encrypted-")) {
      ch = pusher.subscribePrivateEncrypted(channel, listener, bind);
    } else if (channel.startsWith("private-")) {
      ch = pusher.subscribePrivate(channel, listener, bind);
    } else {
      ch = pusher.subscribe(channel, listener, bind);
    }
    ch.bindGlobal(forward(name, channel, Set.of(bind)));
  }

  static Pusher client(String name) {
    Pusher pusher = clients.get(name);
    if (pusher == null) throw new IllegalStateException("no client named " + name);
    return pusher;
  }

  static void run(JsonObject cmd) {
    String name = cmd.has("client") ? cmd.get("client").getAsString() : null;
    switch (cmd.get("cmd").getAsString()) {
      case "connect" -> connect(name, cmd.has("user") ? cmd.get("user").getAsString() : "");
      case "subscribe" -> {
        List<String> bind = new ArrayList<>();
        if (cmd.has("bind")) cmd.getAsJsonArray("bind").forEach(e -> bind.add(e.getAsString()));
        subscribe(name, cmd.get("channel").getAsString(), bind.toArray(new String[0]));
      }
      case "client_event" -> {
        String channel = cmd.get("channel").getAsString();
        Pusher pusher = client(name);
        PrivateChannel ch = channel.startsWith("presence-")
            ? pusher.getPresenceChannel(channel) : pusher.getPrivateChannel(channel);
        if (ch == null) throw new IllegalStateException("client " + name + " has no channel " + channel);
        ch.trigger(cmd.get("event").getAsString(), GSON.toJson(cmd.get("data")));
      }
      case "signin" -> {
        Pusher pusher = client(name);
        pusher.signin();
        // pusher-java-client has no sign-in callback: the user id is set on
        // pusher:signin_success, so the driver watches for it.
        new Thread(() -> {
          long deadline = System.currentTimeMillis() + 10_000;
          while (pusher.user().userId() == null && System.currentTimeMillis() < deadline) {
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              return;
            }
          }
          if (pusher.user().userId() != null) out(line("signin_done", name));
        }).start();
      }
      case "reset" -> {
        for (Pusher pusher : clients.values()) pusher.disconnect();
        clients.clear();
        out(line("reset_done", null));
      }
      default -> throw new IllegalArgumentException("unknown command " + cmd.get("cmd"));
    }
  }

  public static void main(String[] args) throws Exception {
    settings = JsonParser.parseString(args[0]).getAsJsonObject();
    JsonObject ready = line("ready", null);
    ready.addProperty("flavour", "pusher-java-client");
    out(ready);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String raw;
    while ((raw = in.readLine()) != null) {
      if (raw.isBlank()) continue;
      JsonObject cmd = null;
      try {
        cmd = JsonParser.parseString(raw).getAsJsonObject();
        run(cmd);
      } catch (RuntimeException e) {
        JsonObject o = line("command_error", null);
        o.addProperty("cmd", cmd != null && cmd.has("cmd") ? cmd.get("cmd").getAsString() : null);
        o.addProperty("message", String.valueOf(e));
        out(o);
      }
    }
    for (Pusher pusher : clients.values()) pusher.disconnect();
    System.exit(0);
  }
}
