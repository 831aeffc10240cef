package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Walks every route the app registered (so new routes are fuzzed without touching this test) with
 * random and malformed input from a fixed seed: bad JSON, wrong types, huge numbers, unicode, path
 * tricks, missing and extra fields, wrong methods, odd headers. Every mutating request carries at
 * least one thing that must get it refused. No answer is a 5xx, every refusal is a JSON object, no
 * answer shows a Java class name, a stack frame or a configured secret, and pools, VMs, leases and
 * tokens are exactly as before.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiFuzzEndToEndTest {
  private static final long SEED = 20261121L;
  private static final int REQUESTS = 1500;
  private static final List<String> SECRETS = List.of("alice-pw", "root-pw");
  private static final Pattern LEAKS =
      Pattern.compile(
          "\\b(java|javax|jakarta|dev\\.corral|com\\.fasterxml|io\\.javalin|org\\.eclipse|org\\.apache)\\.[a-z]"
              + "|\\bat [\\w$.]+\\([\\w$]+\\.java:\\d+\\)|Exception\\b|\\.java\\b|\\[Source:|StreamReadFeature");
  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}|<([^>]+)>");
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
  private static final List<String> METHODS =
      List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
  private static final ObjectMapper JSON = new ObjectMapper();

  static CorralApp app;
  static Http http;
  static String alice;
  static String root;
  static String leaseId;
  static String host;
  static final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20, max_concurrent_clones: 10}
        pools:
          - {name: deb, alias: [debian], template: t, size: 3, max_lifetime: 24h}
          - {name: cen, template: t, size: 2, max_lifetime: 24h, anonymous: true}
        """
            .formatted(TestDirs.fresh("e2e-api-fuzz"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "fuzz.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    root = http.token("root", "root-pw");
    awaitFull();
    JsonNode lease =
        http.send(
                "POST",
                "/v1/leases",
                "{\"vms\": {\"deb\": 1}, \"lifetime\": \"2h\"}",
                "X-AUTH-TOKEN",
                alice)
            .body();
    leaseId = lease.get("id").asText();
    host = lease.get("vms").get(0).get("name").asText();
    awaitFull(); // the leased VM's replacement is ready, so nothing moves on its own during the
    // fuzzing
  }

  private static void awaitFull() {
    http.await(
        "/v1/pools",
        Duration.ofSeconds(60),
        pools -> {
          int ready = 0;
          for (JsonNode p : pools) {
            ready += p.get("ready").asInt();
          }
          return ready == 5;
        });
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private record Sent(String method, String path, String body, List<String> headers) {
    @Override
    public String toString() {
      String b =
          body == null ? "" : " " + (body.length() > 60 ? body.substring(0, 60) + "…" : body);
      return method
          + " "
          + (path.length() > 80 ? path.substring(0, 80) + "…" : path)
          + b
          + " "
          + headers;
    }
  }

  private record Answer(int status, String body) {}

  @Test
  @Order(1)
  void randomAndMalformedInputOnEveryRoute_neverGets5xx_andChangesNothing() {
    List<String> routes = app.routes();
    assertTrue(routes.size() > 40, "the routes were enumerated: " + routes);
    Map<String, JsonNode> before = snapshot();
    Random random = new Random(SEED);
    List<String> wrong = new ArrayList<>();
    Map<String, Integer> statuses = new LinkedHashMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      Sent sent = request(random, routes.get(i % routes.size()));
      Answer answer = send(sent);
      statuses.merge(answer.status() / 100 + "xx", 1, Integer::sum);
      String problem = check(sent, answer);
      if (problem != null) {
        wrong.add(sent + " -> " + answer.status() + " " + clip(answer.body()) + ": " + problem);
      }
    }
    assertTrue(
        wrong.isEmpty(),
        wrong.size()
            + " of "
            + REQUESTS
            + " fuzzed requests went wrong ("
            + statuses
            + "):\n"
            + String.join("\n", wrong.subList(0, Math.min(40, wrong.size()))));
    Map<String, JsonNode> after = snapshot();
    for (String what : before.keySet()) {
      assertEquals(before.get(what), after.get(what), what + " changed under fuzzed requests");
    }
  }

  @Test
  @Order(2)
  void everyRoute_refusesAGoodTokenThatComesWithAWrongPassword() {
    Random random = new Random(SEED);
    List<String> wrong = new ArrayList<>();
    for (String route : app.routes()) {
      int space = route.indexOf(' ');
      String method = route.substring(0, space);
      Sent sent =
          new Sent(
              method,
              fillPath(random, route.substring(space + 1), false),
              READS.contains(method) ? null : "{}",
              List.of("X-AUTH-TOKEN", root, "Authorization", Http.basic("root", "wrong")));
      Answer answer = send(sent);
      JsonNode body = parse(answer.body());
      if (answer.status() != 401
          || (!method.equals("HEAD") && (body == null || !body.isObject()))) {
        wrong.add(sent + " -> " + answer.status() + " " + clip(answer.body()));
      }
    }
    assertTrue(
        wrong.isEmpty(),
        "answered as if the wrong password were not there:\n" + String.join("\n", wrong));
  }

  @Test
  @Order(3)
  void anInternalError_answersAGeneric500WithAnErrorId_andNoInternals() {
    app.db().close(); // every query now fails deep inside the connection pool
    for (String path :
        List.of("/v1/pools", "/v1/leases/" + leaseId, "/api/v3/vm/" + host, "/v1/vms")) {
      Answer answer = send(new Sent("GET", path, null, List.of("X-AUTH-TOKEN", root)));
      assertTrue(answer.status() >= 500, path + " -> " + answer.status() + " " + answer.body());
      assertFalse(
          LEAKS.matcher(answer.body()).find(), "internals in " + path + ": " + answer.body());
      for (String secret : SECRETS) {
        assertFalse(answer.body().contains(secret), path + " shows a secret: " + answer.body());
      }
      JsonNode body = parse(answer.body());
      assertTrue(body != null && body.isObject(), answer.body());
      if (!path.startsWith("/api/v3")) {
        assertEquals("internal", body.get("code").asText());
        String id = body.get("detail").get("error_id").asText();
        assertTrue(
            body.get("error").asText().contains(id), "the message names the id to quote: " + body);
      }
    }
  }

  /**
   * What must not move: pool sizes and templates, every VM's state and owner, every lease and
   * token.
   */
  private static Map<String, JsonNode> snapshot() {
    Map<String, JsonNode> s = new LinkedHashMap<>();
    s.put("pools", keep(http.get("/v1/pools").body(), "name", "size", "template", "leased"));
    s.put("vms", keep(rootGet("/v1/vms"), "name", "pool", "state", "owner", "lease_id", "tags"));
    s.put("leases", rootGet("/v1/leases"));
    s.put("alice's leases", http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", alice).body());
    s.put("tokens", rootGet("/v1/tokens"));
    s.put("the leased VM", withoutClock(http.get("/api/v3/vm/" + host).body()));
    s.put("templates", rootGet("/v1/templates"));
    s.put("builds", rootGet("/v1/builds"));
    return s;
  }

  /**
   * A v3 VM answer without {@code running} and {@code remaining}, the hours that pass while the
   * fuzzing runs.
   */
  private static JsonNode withoutClock(JsonNode v3Vm) {
    JsonNode copy = v3Vm.deepCopy();
    copy.forEach(
        vm -> {
          if (vm.isObject()) {
            ((ObjectNode) vm).remove(List.of("running", "remaining"));
          }
        });
    return copy;
  }

  private static JsonNode rootGet(String path) {
    Http.Reply reply = http.send("GET", path, null, "X-AUTH-TOKEN", root);
    assertEquals(200, reply.status(), path + ": " + reply.body());
    return reply.body();
  }

  /**
   * The same list with only {@code fields} of each element (or of each element of a top-level array
   * field).
   */
  private static JsonNode keep(JsonNode node, String... fields) {
    JsonNode items = node.isArray() ? node : firstArray(node);
    ArrayNode out = JSON.createArrayNode();
    if (items == null) {
      return node;
    }
    for (JsonNode item : items) {
      ObjectNode kept = out.addObject();
      for (String f : fields) {
        if (item.has(f)) {
          kept.set(f, item.get(f));
        }
      }
    }
    return out;
  }

  private static JsonNode firstArray(JsonNode node) {
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
      JsonNode child = it.next();
      if (child.isArray()) {
        return child;
      }
    }
    return null;
  }

  private static String check(Sent sent, Answer answer) {
    if (answer.status() >= 500) {
      return "a server error";
    }
    if (!READS.contains(sent.method()) && answer.status() < 400) {
      return "a request meant to be refused was accepted";
    }
    for (String secret : SECRETS) {
      if (answer.body().contains(secret)) {
        return "the answer shows the configured secret " + secret;
      }
    }
    Matcher leak = LEAKS.matcher(answer.body());
    if (leak.find()) {
      return "the answer shows internals: '" + leak.group() + "'";
    }
    if (answer.status() >= 400 && !sent.method().equals("HEAD")) {
      JsonNode body = parse(answer.body());
      if (body == null || !body.isObject()) {
        return "the refusal is not a JSON object";
      }
    }
    return null;
  }

  // ---- generating requests

  private enum Poison {
    PATH,
    BODY,
    AUTH,
    METHOD
  }

  private Sent request(Random random, String route) {
    int space = route.indexOf(' ');
    String method = route.substring(0, space);
    String template = route.substring(space + 1);
    boolean hasParams = PARAM.matcher(template).find();
    List<Poison> poisons = new ArrayList<>(List.of(Poison.BODY, Poison.AUTH, Poison.METHOD));
    if (hasParams) {
      poisons.add(Poison.PATH);
    }
    Poison poison =
        READS.contains(method) && random.nextInt(3) == 0
            ? null
            : poisons.get(random.nextInt(poisons.size()));
    if (poison == Poison.BODY && !bodyMatters(method, template)) {
      poison = hasParams ? Poison.PATH : Poison.AUTH;
    }
    if (poison == Poison.METHOD) {
      String other;
      do {
        other = METHODS.get(random.nextInt(METHODS.size()));
      } while (other.equals(method) || registered(other, template));
      method = other;
      if (READS.contains(method)) {
        poison = Poison.AUTH; // a wrong method that only reads proves nothing; keep the request
        // harmful-looking
      }
    }
    String path = fillPath(random, template, poison == Poison.PATH);
    String body =
        poison == Poison.BODY
            ? badBody(random)
            : random.nextInt(3) == 0 ? randomBody(random) : null;
    List<String> headers = new ArrayList<>();
    if (poison == Poison.AUTH) {
      headers.addAll(badAuth(random));
    } else if (!READS.contains(method) && !method.equals("OPTIONS") && random.nextBoolean()) {
      headers.addAll(List.of("X-AUTH-TOKEN", random.nextBoolean() ? alice : root));
    } else if (READS.contains(method)) {
      headers.addAll(List.of("X-AUTH-TOKEN", random.nextBoolean() ? alice : root));
    }
    headers.addAll(randomHeaders(random));
    if (poison == null && !READS.contains(method)) {
      throw new AssertionError("a mutating request without poison: " + method + " " + path);
    }
    return new Sent(method, path, body, headers);
  }

  /** Whether {@code method} is served on {@code template}'s path under any parameter names. */
  private static boolean registered(String method, String template) {
    String shape = PARAM.matcher(template).replaceAll("{}");
    return app.routes().stream()
        .anyMatch(r -> PARAM.matcher(r).replaceAll("{}").equals(method + " " + shape));
  }

  /** Routes whose handler reads a JSON body (a malformed one must be refused there). */
  private static boolean bodyMatters(String method, String template) {
    return List.of(
            "POST /v1/leases",
            "PATCH /v1/leases/{id}",
            "POST /v1/pending-leases",
            "POST /api/v3/vm",
            "POST /api/v3/ondemandvm",
            "PUT /v1/pools/{name}/size",
            "PUT /v1/pools/{name}/template",
            "PUT /v1/pools/{name}/clone-target",
            "POST /v1/vms/{name}/disks",
            "POST /api/v3/config/poolsize",
            "POST /api/v3/config/pooltemplate",
            "POST /api/v3/poolreset",
            "PUT /api/v3/vm/{hostname}",
            "POST /v1/builds")
        .contains(method + " " + template);
  }

  private static String fillPath(Random random, String template, boolean poisoned) {
    Matcher m = PARAM.matcher(template);
    StringBuilder out = new StringBuilder();
    List<int[]> spans = new ArrayList<>();
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    int poisonAt = poisoned ? random.nextInt(spans.size()) : -1;
    int last = 0;
    for (int i = 0; i < spans.size(); i++) {
      out.append(template, last, spans.get(i)[0]);
      out.append(i == poisonAt ? pick(random, TRICKY) : goodValue(random));
      last = spans.get(i)[1];
    }
    out.append(template.substring(last));
    return out.toString();
  }

  private static String goodValue(Random random) {
    List<String> good =
        List.of("deb", "debian", "cen", leaseId, host, "1", "t", "deb+cen", host.substring(0, 3));
    return pick(random, good);
  }

  private static final List<String> TRICKY =
      List.of(
          "..%2F..%2Fetc%2Fpasswd",
          "%2e%2e",
          "%00",
          "deb%00",
          "-1",
          "0",
          "99999999999999999999999",
          "1e309",
          "NaN",
          "%F0%9F%90%84",
          "%E2%80%AE" + "deb",
          "%D0%B4%D0%B5%D0%B1",
          "x".repeat(3000),
          "'%20OR%201%3D1%20--",
          "%3Cscript%3E",
          "%25",
          "deb%2Fcen",
          "%20",
          "null",
          "true",
          "%7B%7D",
          "%5B%5D",
          "deb+..%2F",
          "++",
          "%C0%AF",
          "%FF%FE");

  private static String badBody(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> pick(random, MALFORMED);
      case 1 -> truncate(random, randomBody(random));
      case 2 ->
          "{\""
              + pick(random, FIELDS)
              + "\": "
              + pick(random, VALUES)
              + ", \"zz_unknown_"
              + random.nextInt(1000)
              + "\": 1}";
      default -> "{\"" + pick(random, FIELDS) + "\": " + pick(random, BAD_VALUES) + "}";
    };
  }

  private static final List<String> MALFORMED =
      List.of(
          "{",
          "}",
          "[",
          "{\"a\":}",
          "{\"a\" 1}",
          "{'a': 1}",
          "\u0000",
          "{\"a\": 1,}",
          "[1,,2]",
          "{\"a\": tru}",
          "{\"a\": 01}",
          "{\"a\": \"\\x\"}",
          "\"unterminated",
          "{\"a\": NaN}",
          "[".repeat(5000),
          "{\"a\":".repeat(2000),
          "\uFEFF{}",
          "{\"a\": 1}{\"b\": 2}",
          "<xml/>",
          "a=1&b=2");
  private static final List<String> FIELDS =
      List.of(
          "vms",
          "lifetime",
          "wait",
          "tags",
          "size",
          "template",
          "ttl",
          "size_gb",
          "deb",
          "cen",
          "request_id",
          "owner",
          "name",
          "group",
          "pool",
          "count",
          "clone_target");
  private static final List<String> VALUES =
      List.of("1", "\"deb\"", "{\"deb\": 1}", "\"2h\"", "{}", "[]");
  private static final List<String> BAD_VALUES =
      List.of(
          "-1",
          "1e400",
          "99999999999999999999999999",
          "-0",
          "1.5",
          "true",
          "null",
          "\"\"",
          "\"\\u0000\"",
          "\"дебиан\"",
          "\"🐄🐄\"",
          "[[[[[]]]]]",
          "{\"deb\": -5}",
          "{\"deb\": 1e12}",
          "\"" + "y".repeat(20_000) + "\"",
          "{\"" + "k".repeat(5000) + "\": 1}",
          "\"-1h\"",
          "\"forever\"",
          "\"99999999999999h\"",
          "{\"deb\": {\"deb\": {\"deb\": 1}}}",
          "\"../../etc\"",
          "\"\\ud800\"");

  private static String randomBody(Random random) {
    ObjectNode body = JSON.createObjectNode();
    int fields = random.nextInt(4);
    for (int i = 0; i < fields; i++) {
      body.putRawValue(
          pick(random, FIELDS),
          new com.fasterxml.jackson.databind.util.RawValue(
              random.nextBoolean() ? pick(random, VALUES) : pick(random, BAD_VALUES)));
    }
    return body.toString();
  }

  private static String truncate(Random random, String body) {
    return body.length() <= 1 ? "{" : body.substring(0, 1 + random.nextInt(body.length() - 1));
  }

  private static List<String> badAuth(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> List.of("X-AUTH-TOKEN", "nope-" + random.nextInt(1_000_000));
      case 1 -> List.of("Authorization", "Bearer " + alice.substring(0, alice.length() - 1));
      case 2 -> List.of("Authorization", "Basic !!!not-base64");
      case 3 -> List.of("Authorization", Http.basic("alice", "wrong"));
      case 4 -> List.of("Authorization", Http.basic("root", ""));
      // A good token does not make a bad credential next to it good.
      case 5 -> List.of("X-AUTH-TOKEN", root, "Authorization", Http.basic("root", "wrong"));
      case 6 ->
          List.of("X-AUTH-TOKEN", alice, "Authorization", "Bearer " + root.substring(1) + "x");
      default -> List.of("X-AUTH-TOKEN", "%00' OR 1=1");
    };
  }

  private static List<String> randomHeaders(Random random) {
    List<String> headers = new ArrayList<>();
    switch (random.nextInt(11)) {
      case 0 ->
          headers.addAll(
              List.of(
                  "Content-Type",
                  pick(
                      random,
                      List.of(
                          "text/plain",
                          "application/xml",
                          "application/x-www-form-urlencoded",
                          "multipart/form-data; boundary=x",
                          "application/json; charset=utf-16",
                          "application/json; charset=bogus",
                          "application/json; charset=\"x y\"",
                          "text/plain; charset=utf-8"))));
      case 5 ->
          headers.addAll(
              List.of(
                  pick(random, List.of("X-HTTP-Method-Override", "X-HTTP-Method")),
                  pick(random, List.of("DELETE", "POST", "PUT", "PATCH"))));
      case 6 ->
          headers.addAll(
              List.of(
                  "Origin",
                  pick(random, List.of("http://evil.example", "null", "http://127.0.0.1:1"))));
      case 7 ->
          headers.addAll(
              List.of("Sec-Fetch-Site", pick(random, List.of("cross-site", "same-site"))));
      case 1 -> headers.addAll(List.of("X-Forwarded-For", "10.0.0." + random.nextInt(255)));
      case 2 ->
          headers.addAll(
              List.of("Accept", pick(random, List.of("text/html", "*/*", "application/xml"))));
      case 3 ->
          headers.addAll(
              List.of("X-Random-" + random.nextInt(100), "x".repeat(random.nextInt(2000))));
      case 4 -> headers.addAll(List.of("Accept-Encoding", "gzip, deflate, br"));
      default -> {}
    }
    return headers;
  }

  private static <T> T pick(Random random, List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  // ---- sending raw requests (answers need not be JSON)

  private static Answer send(Sent sent) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(app.baseUrl() + sent.path()));
    } catch (IllegalArgumentException e) {
      throw new AssertionError("the test built a bad URI: " + sent.path(), e);
    }
    boolean hasContentType = false;
    for (int i = 0; i < sent.headers().size(); i += 2) {
      request.header(sent.headers().get(i), sent.headers().get(i + 1));
      hasContentType |= sent.headers().get(i).equals("Content-Type");
    }
    if (sent.body() != null && !hasContentType) {
      request.header("Content-Type", "application/json");
    }
    request.method(
        sent.method(),
        sent.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(sent.body()));
    try {
      HttpResponse<byte[]> response =
          client.send(
              request.timeout(Duration.ofSeconds(20)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = response.body();
      // Javalin gzips answers over 1500 bytes when asked to (Accept-Encoding is one of the fuzzed
      // headers),
      // and java.net.http does not undo it: read what a browser would.
      if (response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
          body = in.readAllBytes();
        }
      }
      return new Answer(response.statusCode(), new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(sent + " -> " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return text == null || text.isEmpty() ? null : JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  private static String clip(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
