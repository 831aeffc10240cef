package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Text a client sends (a lease lifetime, a name in the path, a JSON body, a user name) can reach
 * the text log, and can hold line breaks: each event still comes out as exactly one line, with the
 * client's line breaks, NULs and terminal escapes written as visible escapes, so no request can
 * write a line of its own into the log.
 */
class LogInjectionEndToEndTest {
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final String FORGED = "2026-12-07T03:00:00.000+0000 ERROR CorralApp - INJECTED";

  /**
   * A minus zone: vmpooler's path splits names at '+' (and at spaces, so the log shows only its
   * first word).
   */
  private static final String FORGED_IN_PATH =
      "2026-12-07T03:00:00.000-0500 ERROR CorralApp - INJECTED";

  private static final Pattern EVENT_LINE =
      Pattern.compile(
          "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} (TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - .*");

  @Test
  void lineBreaksNulsAndEscapesFromRequests_neverStartALineOfTheirOwnInTheTextLog()
      throws Exception {
    try (CorralApp app = CorralApp.start(config(), FAST);
        CapturedStderr log = CapturedStderr.start()) {
      Http http = new Http(app.baseUrl());
      String[] alice = {"Authorization", Http.basic("alice", "alice-pw")};

      Http.Reply lifetime =
          http.send(
              "POST",
              "/v1/leases",
              "{\"vms\": {\"debian-12-64\": 1}, \"lifetime\": \"x\\n" + FORGED + "\"}",
              alice);
      assertEquals(400, lifetime.status(), () -> "lifetime: " + lifetime.body());
      Http.Reply pool =
          http.send("POST", "/api/v3/vm/" + path("debian\n" + FORGED_IN_PATH), null, alice);
      assertEquals(404, pool.status(), () -> "vmpooler pool: " + pool.body());
      Http.Reply vm = http.send("GET", "/v1/vms/" + path("corral-x\r" + FORGED), null, alice);
      assertEquals(404, vm.status(), () -> "vm: " + vm.body());
      Http.Reply lease =
          http.send("GET", "/v1/leases/" + path("lease\u2028" + FORGED), null, alice);
      assertEquals(404, lease.status(), () -> "lease: " + lease.body());
      // Jackson quotes an unknown token up to the first character that cannot be in a name; NUL and
      // ESC can.
      Http.Reply json = http.send("POST", "/v1/leases", "{\"vms\": x\u0000\u001b[2J}", alice);
      assertEquals(400, json.status(), () -> "malformed JSON: " + json.body());
      Http.Reply login =
          http.send(
              "POST", "/v1/tokens", null, "Authorization", Http.basic("alice\n" + FORGED, "nope"));
      assertEquals(401, login.status(), () -> "login: " + login.body());

      String text = log.text();
      List<String> lines = log.lines();
      for (String line : lines) {
        assertTrue(
            EVENT_LINE.matcher(line).matches(), "a line that is not an event of its own: " + line);
        assertFalse(line.startsWith("2026-12-07T03:00:00.000"), "a forged line: " + line);
      }
      for (String raw : List.of("\r", "\u0000", "\u2028", "\u001b")) {
        assertFalse(
            text.contains(raw), "a raw U+" + Integer.toHexString(raw.charAt(0)) + " in the log");
      }
      // The client's text is still there to read, escaped.
      for (String escaped :
          List.of(
              "x\\n" + FORGED,
              "debian\\n2026-12-07T03:00:00.000-0500",
              "corral-x\\r" + FORGED,
              "lease\\u2028" + FORGED,
              "x\\u0000\\u001b")) {
        assertTrue(
            lines.stream().anyMatch(l -> l.contains(escaped)),
            "no line with " + escaped + " in\n" + text);
      }
    }
  }

  private static String path(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static dev.corral.config.CorralConfig config() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        pools:
          - {name: debian-12-64, template: debian-12-base, size: 1}
        """
            .formatted(TestDirs.fresh("log-injection"));
    return ConfigLoader.fromYaml(yaml, "log-injection.yaml", Map.of());
  }
}
