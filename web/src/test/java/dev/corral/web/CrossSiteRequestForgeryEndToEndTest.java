package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A page on another site tries to make a signed-in admin's browser change Corral: Debian's
 * Chromium, headless, opens pages served from another loopback port (another origin) whose forms
 * post to Corral with the admin's Basic credentials, the way a browser that signed in on {@code
 * /login} would send them. Nothing changes. Clients that are not browsers, and Corral's own origin,
 * are not affected.
 */
class CrossSiteRequestForgeryEndToEndTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;
  static String root;
  static HttpServer evil;
  static final Map<String, String> pages = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws IOException {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.02, boot_seconds: 0.02, max_vms: 20}
        pools:
          - {name: p, template: t, size: 2}
        """
            .formatted(TestDirs.fresh("e2e-csrf"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "csrf.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    root = http.token("root", "root-pw");
    http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 2);
    evil = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    evil.createContext(
        "/",
        exchange -> {
          byte[] page =
              pages
                  .getOrDefault(exchange.getRequestURI().getPath(), "")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(
              page.length == 0 ? 404 : 200, page.length == 0 ? -1 : page.length);
          exchange.getResponseBody().write(page);
          exchange.close();
        });
    evil.start();
  }

  @AfterAll
  static void stop() {
    if (evil != null) {
      evil.stop(0);
    }
    app.close();
  }

  @Test
  void formsOnAForeignPage_postingWithTheAdminsCredentials_changeNothing() {
    int corralPort = URI.create(app.baseUrl()).getPort();
    String corral = "http://root:root-pw@127.0.0.1:" + corralPort;
    // text/plain: the old trick that makes a form's body valid JSON. urlencoded: what vmpooler's
    // routes took.
    pages.put(
        "/disable",
        selfSubmittingForm(
            corral + "/v1/providers/sim/disable",
            "text/plain",
            "{\"reason\": \"csrf\", \"x\": \"",
            "\"}"));
    pages.put(
        "/lease",
        selfSubmittingForm(
            corral + "/v1/leases", "text/plain", "{\"vms\": {\"p\": 1}, \"x\": \"", "\"}"));
    pages.put(
        "/vmpooler",
        selfSubmittingForm(
            corral + "/api/v3/vm",
            "application/x-www-form-urlencoded",
            "{\"p\": \"1\", \"x\": \"",
            "\"}"));
    pages.put(
        "/reset",
        selfSubmittingForm(
            corral + "/v1/pools/p/reset", "application/x-www-form-urlencoded", "a", "b"));
    HeadlessChromium chromium = new HeadlessChromium();

    for (String page : List.of("/disable", "/lease", "/vmpooler", "/reset")) {
      String url = "http://127.0.0.1:" + evil.getAddress().getPort() + page;
      String shown = chromium.dumpDomAfterNavigations(url);
      if (shown.isBlank()) {
        // Headless Chromium now and then prints nothing when the dump falls mid-navigation; one
        // more look.
        shown = chromium.dumpDomAfterNavigations(url);
      }
      // The browser followed the form to Corral and shows its answer: the refusal, not a 401 (the
      // credentials
      // went with it) and not the change.
      assertTrue(
          shown.contains(
              "sent by a browser from a page of http://127.0.0.1:" + evil.getAddress().getPort()),
          page + " showed:\n" + shown);
    }

    Http.Reply sim = http.get("/v1/providers");
    assertTrue(
        sim.body().toString().contains("\"state\":\"ok\""),
        "the provider was not disabled: " + sim.body());
    Http.Reply leases =
        http.send("GET", "/v1/leases?owner=root&state=active", null, "X-AUTH-TOKEN", root);
    assertEquals(0, leases.body().size(), "nothing was leased: " + leases.body());
    assertEquals(2, Http.pool(http.get("/v1/pools").body(), "p").get("ready").asInt());
  }

  @Test
  void writesThatSayAForeignOrigin_are403_whateverTheCredentials() {
    List<List<String>> foreign =
        List.of(
            List.of("Origin", "http://evil.example"),
            List.of("Origin", "null"),
            List.of("Origin", "http://127.0.0.1:1"),
            List.of("Sec-Fetch-Site", "cross-site"),
            List.of("Sec-Fetch-Site", "same-site"));
    for (List<String> from : foreign) {
      Http.Reply disable =
          http.send(
              "POST",
              "/v1/providers/sim/disable",
              "{\"reason\": \"csrf\"}",
              "Authorization",
              Http.basic("root", "root-pw"),
              from.get(0),
              from.get(1));
      assertEquals(403, disable.status(), from + ": " + disable.body());
      assertEquals("cross_origin_refused", disable.body().get("code").asText());
      Http.Reply release =
          http.send(
              "DELETE",
              "/api/v3/vm/anything",
              null,
              "X-AUTH-TOKEN",
              root,
              from.get(0),
              from.get(1));
      assertEquals(403, release.status(), from + ": " + release.body());
      assertFalse(release.body().get("ok").asBoolean());
    }
    assertTrue(http.get("/v1/providers").body().toString().contains("\"state\":\"ok\""));
  }

  @Test
  void corralsOwnOrigin_clientsThatAreNotBrowsers_andReads_areNotAffected() {
    String own = app.baseUrl();
    List<List<String>> allowed =
        List.of(
            List.of(),
            List.of("Origin", own),
            List.of("Sec-Fetch-Site", "same-origin"),
            List.of(
                "Origin", "https://corral.example.org", "X-Forwarded-Host", "corral.example.org"));
    for (List<String> from : allowed) {
      http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 2);
      String[] headers = new String[from.size() + 2];
      headers[0] = "X-AUTH-TOKEN";
      headers[1] = root;
      for (int i = 0; i < from.size(); i++) {
        headers[i + 2] = from.get(i);
      }
      Http.Reply lease = http.send("POST", "/v1/leases", "{\"vms\": {\"p\": 1}}", headers);
      assertEquals(201, lease.status(), from + ": " + lease.body());
      assertEquals(
          200,
          http.send("DELETE", "/v1/leases/" + lease.body().get("id").asText(), null, headers)
              .status());
    }
    assertEquals(
        200,
        http.send("GET", "/v1/pools", null, "Origin", "http://evil.example").status(),
        "a read is answered: the browser does not let the foreign page see it");
  }

  /**
   * A page whose form posts itself at once; {@code name=value} is the body (text/plain writes it as
   * is).
   */
  private static String selfSubmittingForm(
      String action, String enctype, String name, String value) {
    return """
        <!doctype html><html><body>
        <form method="POST" action="%s" enctype="%s"><input type="hidden" name='%s' value='%s'></form>
        <script>document.forms[0].submit()</script>
        </body></html>
        """
        .formatted(action, enctype, name, value);
  }
}
