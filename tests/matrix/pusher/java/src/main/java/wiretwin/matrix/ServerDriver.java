// The Pusher matrix's host for the Java server SDK (pusher-http-java): the same commands and
// answers as ../../js/server.mjs. Commands on stdin, one JSON object a line, each with an
// id; answers on stdout: {type:'result', id, value} or {type:'result', id, error}.
//
// Usage: java -cp target/classes:target/dependency/* wiretwin.matrix.ServerDriver '<settings>'
// settings = {appId, key, secret, host, port, encryptionMasterKeyBase64}
package wiretwin.matrix;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class ServerDriver {
  private static final Gson GSON = new Gson();

  private ServerDriver() {}

  static JsonElement check(Result result) {
    if (result.getStatus() != Result.Status.SUCCESS) {
      throw new IllegalStateException(
          "HTTP " + result.getHttpStatus() + " " + result.getStatus() + ": " + result.getMessage());
    }
    String body = result.getMessage();
    return body == null || body.isBlank() ? JsonNull.INSTANCE : JsonParser.parseString(body);
  }

  static List<String> strings(JsonElement array) {
    List<String> out = new ArrayList<>();
    array.getAsJsonArray().forEach(e -> out.add(e.getAsString()));
    return out;
  }

  static JsonElement run(Pusher pusher, JsonObject cmd) {
    switch (cmd.get("cmd").getAsString()) {
      case "trigger":
        return check(pusher.trigger(strings(cmd.get("channels")), cmd.get("event").getAsString(),
            cmd.get("data")));
      case "triggerBatch": {
        List<Event> batch = new ArrayList<>();
        for (JsonElement e : cmd.get("batch").getAsJsonArray()) {
          JsonObject o = e.getAsJsonObject();
          batch.add(new Event(o.get("channel").getAsString(), o.get("name").getAsString(),
              o.get("data")));
        }
        return check(pusher.trigger(batch));
      }
      case "authorizeChannel": {
        String socketId = cmd.get("socketId").getAsString();
        String channel = cmd.get("channel").getAsString();
        JsonElement member = cmd.get("presenceData");
        String body;
        if (member == null || member.isJsonNull()) {
          body = pusher.authenticate(socketId, channel);
        } else {
          JsonObject m = member.getAsJsonObject();
          body = pusher.authenticate(socketId, channel,
              new PresenceUser(m.get("user_id").getAsString(), m.get("user_info")));
        }
        return JsonParser.parseString(body);
      }
      case "get": {
        Map<String, String> params = new LinkedHashMap<>();
        if (cmd.has("params")) {
          cmd.getAsJsonObject("params").entrySet()
              .forEach(e -> params.put(e.getKey(), e.getValue().getAsString()));
        }
        return check(pusher.get(cmd.get("path").getAsString(), params));
      }
      default:
        throw new IllegalArgumentException("unknown command " + cmd.get("cmd"));
    }
  }

  public static void main(String[] args) throws Exception {
    JsonObject settings = JsonParser.parseString(args[0]).getAsJsonObject();
    Pusher pusher = new Pusher(settings.get("appId").getAsString(),
        settings.get("key").getAsString(), settings.get("secret").getAsString(),
        settings.get("encryptionMasterKeyBase64").getAsString());
    pusher.setHost(settings.get("host").getAsString() + ":" + settings.get("port").getAsString());
    pusher.setEncrypted(false);
    JsonObject ready = new JsonObject();
    ready.addProperty("type", "ready");
    System.out.println(GSON.toJson(ready));
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String raw;
    while ((raw = in.readLine()) != null) {
      if (raw.isBlank()) continue;
      JsonObject cmd = JsonParser.parseString(raw).getAsJsonObject();
      JsonObject answer = new JsonObject();
      answer.addProperty("type", "result");
      answer.add("id", cmd.get("id"));
      try {
        answer.add("value", run(pusher, cmd));
      } catch (RuntimeException e) {
        answer.addProperty("error", String.valueOf(e));
      }
      System.out.println(GSON.toJson(answer));
      System.out.flush();
    }
    pusher.close();
    System.exit(0);
  }
}
