package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a request must look like: a JSON body (or curl's form type from a non-browser), a charset
 * the server knows, the method it was sent with (no override header), and a HEAD that answers as
 * its GET would.
 */
class RequestShapeEndToEndTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);
  private static final String LEASE = "{\"vms\": {\"p\": 1}}";
  static CorralApp app;
  static Http http;
  static String alice;

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
          sim: {type: simulated, clone_seconds: 0.02, boot_seconds: 0.02, max_vms: 20}
        pools:
          - {name: p, template: t, size: 3}
        """
            .formatted(TestDirs.fresh("e2e-request-shape"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "shape.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 3);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void bodiesThatAreNotJson_areRefusedWith415_andLeaseNothing() {
    for (String type :
        List.of("text/plain", "multipart/form-data; boundary=x", "application/xml", "text/html")) {
      Http.Reply reply =
          http.sendAsIs(
              "POST",
              "/v1/leases",
              LEASE,
              "Content-Type",
              type,
              "Authorization",
              Http.basic("alice", "alice-pw"));
      assertEquals(415, reply.status(), type + ": " + reply.body());
      assertEquals("unsupported_media_type", reply.body().get("code").asText(), type);
      assertTrue(
          reply.body().get("error").asText().contains("application/json"), reply.body()::toString);
    }
    assertEquals(
        0,
        http.send("GET", "/v1/leases?state=active", null, "X-AUTH-TOKEN", alice).body().size(),
        "nothing was leased");
  }

  @Test
  void curlDashD_formTypedJson_stillLeases_butNotFromABrowser() {
    String form = "application/x-www-form-urlencoded";
    Http.Reply fromCurl =
        http.sendAsIs(
            "POST", "/api/v3/vm", "{\"p\": \"1\"}", "Content-Type", form, "X-AUTH-TOKEN", alice);
    assertEquals(200, fromCurl.status(), () -> fromCurl.body().toString());
    assertTrue(fromCurl.body().get("ok").asBoolean());
    String host = fromCurl.body().get("p").get("hostname").asText();
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", alice).status());

    Http.Reply fromAPage =
        http.sendAsIs(
            "POST",
            "/api/v3/vm",
            "{\"p\": \"1\"}",
            "Content-Type",
            form,
            "X-AUTH-TOKEN",
            alice,
            "Sec-Fetch-Site",
            "same-origin",
            "Sec-Fetch-Mode",
            "navigate");
    assertEquals(415, fromAPage.status(), () -> fromAPage.body().toString());
    assertTrue(
        fromAPage.body().get("error").asText().contains("application/json"),
        fromAPage.body()::toString);
  }

  @Test
  void anUnknownCharset_is415_beforeAuthentication_wherever_aBodyOrQueryIsRead() {
    List<List<String>> routes =
        List.of(
            List.of("POST", "/v1/leases"),
            List.of("POST", "/v1/tokens"),
            List.of("PUT", "/api/v3/vm/x"),
            List.of("POST", "/api/v3/vm"),
            List.of("GET", "/v1/vms?pool=p"),
            List.of("POST", "/v1/providers/sim/disable"));
    for (String charset : List.of("bogus", "\"x y\"", "utf-9")) {
      for (List<String> route : routes) {
        String body = route.get(0).equals("GET") ? null : LEASE;
        Http.Reply reply =
            http.sendAsIs(
                route.get(0),
                route.get(1),
                body,
                "Content-Type",
                "application/json; charset=" + charset);
        assertEquals(415, reply.status(), route + " " + charset + ": " + reply.body());
        String code = route.get(1).startsWith("/api/v3") ? "ok" : "code";
        if (code.equals("code")) {
          assertEquals("unsupported_charset", reply.body().get("code").asText(), route::toString);
        } else {
          assertEquals(false, reply.body().get("ok").asBoolean(), route::toString);
        }
      }
    }
    Http.Reply utf8 =
        http.sendAsIs(
            "GET", "/v1/vms?pool=p", null, "Content-Type", "application/json; charset=UTF-8");
    assertEquals(200, utf8.status(), "a known charset is fine");
  }

  @Test
  void methodOverrideHeaders_areIgnored_soAGetNeverReleasesALease() {
    Http.Reply lease = http.send("POST", "/v1/leases", LEASE, "X-AUTH-TOKEN", alice);
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String id = lease.body().get("id").asText();
    try {
      for (String header :
          List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
        Http.Reply read =
            http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice, header, "DELETE");
        assertEquals(200, read.status(), header);
        assertEquals("active", read.body().get("state").asText(), header + " released the lease");
      }
      Http.Reply postAsPatch =
          http.send(
              "POST",
              "/v1/leases/" + id,
              "{\"lifetime\": \"9h\"}",
              "X-AUTH-TOKEN",
              alice,
              "X-HTTP-Method-Override",
              "PATCH");
      assertTrue(
          postAsPatch.status() == 404 || postAsPatch.status() == 405,
          "POST is not PATCH: " + postAsPatch);
      assertEquals(
          "active",
          http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice)
              .body()
              .get("state")
              .asText());
    } finally {
      http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice);
    }
  }

  @Test
  void head_answersWithTheStatusAndHeadersOfGet_andNoBody() throws Exception {
    Http.Reply lease = http.send("POST", "/v1/leases", LEASE, "X-AUTH-TOKEN", alice);
    String id = lease.body().get("id").asText();
    try {
      List<List<String>> cases =
          List.of(
              List.of("/v1/pools"),
              List.of("/v1/leases/" + id, "X-AUTH-TOKEN", alice),
              List.of("/v1/leases/no-such-lease", "X-AUTH-TOKEN", alice),
              List.of("/v1/tokens"),
              List.of("/v1/tokens", "Authorization", Http.basic("alice", "wrong")),
              List.of("/no/such/route"),
              List.of("/api/v3/vm/no-such-vm"),
              List.of("/health/live"),
              List.of("/"));
      for (List<String> c : cases) {
        HttpResponse<byte[]> get = raw("GET", c);
        HttpResponse<byte[]> head = raw("HEAD", c);
        assertEquals(get.statusCode(), head.statusCode(), "HEAD " + c);
        assertEquals(0, head.body().length, "HEAD " + c + " has no body");
        for (String header : List.of("Content-Type", "WWW-Authenticate")) {
          assertEquals(
              get.headers().firstValue(header),
              head.headers().firstValue(header),
              header + " of HEAD " + c);
        }
      }
      assertEquals(
          404,
          raw("HEAD", List.of("/v1/leases/no-such-lease", "X-AUTH-TOKEN", alice)).statusCode());
      assertEquals(401, raw("HEAD", List.of("/v1/tokens")).statusCode());
    } finally {
      http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice);
    }
  }

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** A request whose body, if any, is read as bytes: a HEAD must have none at all. */
  private static HttpResponse<byte[]> raw(String method, List<String> pathAndHeaders)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(app.baseUrl() + pathAndHeaders.get(0)))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10));
    for (int i = 1; i < pathAndHeaders.size(); i += 2) {
      request.header(pathAndHeaders.get(i), pathAndHeaders.get(i + 1));
    }
    HttpResponse<byte[]> response =
        CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertNull(response.headers().firstValue("Content-Encoding").orElse(null), "not compressed");
    return response;
  }
}
