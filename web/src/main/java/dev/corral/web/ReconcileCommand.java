package dev.corral.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** {@code corral reconcile --all}: calls {@code POST /v1/reconcile} on a running Corral and prints the summary. */
final class ReconcileCommand {
  static final String DEFAULT_URL = "http://127.0.0.1:7070";

  private ReconcileCommand() {}

  /** Returns the exit status: 0 done, 1 the server refused or could not be reached, 2 bad arguments. */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    boolean all = false;
    boolean force = false;
    String url = DEFAULT_URL;
    String provider = null;
    String token = env.get("CORRAL_TOKEN");
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--all" -> all = true;
        case "--force" -> force = true;
        case "--url", "--provider", "--token" -> {
          if (i + 1 >= args.length) {
            err.println("corral reconcile: " + arg + " needs a value");
            return 2;
          }
          String value = args[++i];
          if (arg.equals("--url")) {
            url = value;
          } else if (arg.equals("--provider")) {
            provider = value;
          } else {
            token = value;
          }
        }
        case "--help", "-h" -> {
          out.println("usage: corral reconcile --all [--url URL] [--provider NAME] [--force] [--token TOKEN]");
          out.println("Reconciles every provider (or NAME) of the Corral at URL (default " + DEFAULT_URL + ") now.");
          return 0;
        }
        default -> {
          err.println("corral reconcile: unknown argument '" + arg + "' (try --help)");
          return 2;
        }
      }
    }
    if (!all) {
      err.println("corral reconcile: say --all (the running reconcilers check VMs gradually on their own)");
      return 2;
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode body = json.createObjectNode();
    if (provider != null) {
      body.put("provider", provider);
    }
    if (force) {
      body.put("force", true);
    }
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/v1/reconcile"))
          .timeout(Duration.ofMinutes(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    } catch (IllegalArgumentException e) {
      err.println("corral reconcile: bad --url " + url + ": " + e.getMessage());
      return 2;
    }
    if (token != null && !token.isBlank()) {
      request.header("X-AUTH-TOKEN", token);
    }
    try {
      HttpResponse<String> reply = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
          .send(request.build(), HttpResponse.BodyHandlers.ofString());
      String text = reply.body();
      try {
        text = json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(text));
      } catch (IOException notJson) {
        // printed as it came
      }
      (reply.statusCode() == 200 ? out : err).println(text);
      return reply.statusCode() == 200 ? 0 : 1;
    } catch (IOException e) {
      err.println("corral reconcile: cannot reach " + url + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
