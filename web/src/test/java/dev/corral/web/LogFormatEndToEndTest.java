package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.LoggingConfig;
import dev.corral.web.logging.LogFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The log Corral writes on stderr: with {@code logging.format: json} every line is one JSON object
 * with {@code time, level, logger, message} and the event's ids as fields; by default the text
 * lines Corral always wrote, with the ids as {@code key=value} after the message.
 */
class LogFormatEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final Pattern TEXT_LINE =
      Pattern.compile(
          "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} (TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - .*");

  private CapturedStderr captured;

  @AfterEach
  void restore() {
    if (captured != null) {
      captured.close();
    }
    LogFormat.apply(LoggingConfig.DEFAULTS);
  }

  @Test
  void withJsonEveryLineIsAJsonObject_andALeasesLinesCarryItsIdAndVmAsFields() throws Exception {
    try (CorralApp app = CorralApp.start(config("json-logs", "logging: {format: json}"), FAST)) {
      Http http = new Http(app.baseUrl());
      captured = CapturedStderr.start();
      Lease lease = leaseAndRelease(http);

      List<JsonNode> lines = new ArrayList<>();
      for (String line : captured.lines()) {
        try {
          lines.add(JSON.readTree(line));
        } catch (IOException e) {
          fail("not a JSON line: " + line);
        }
      }
      for (JsonNode line : lines) {
        for (String field : List.of("time", "level", "logger", "message")) {
          assertTrue(line.hasNonNull(field), field + " in " + line);
        }
        assertTrue(
            line.get("time")
                .asText()
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
            line.toString());
      }

      JsonNode created =
          only(
              lines,
              l ->
                  l.path("lease").asText().equals(lease.id)
                      && l.get("message").asText().startsWith("lease created"));
      assertEquals(lease.vm, created.get("vm").asText());
      assertEquals("ci", created.get("pool").asText());
      assertEquals("INFO", created.get("level").asText());
      assertEquals("dev.corral.activities.store.LeaseStore", created.get("logger").asText());
      assertFalse(
          created.get("message").asText().contains(lease.id),
          "ids are fields, not text: " + created);

      JsonNode released =
          only(
              lines,
              l ->
                  l.path("lease").asText().equals(lease.id)
                      && l.get("message").asText().startsWith("lease released"));
      assertEquals(lease.vm, released.get("vm").asText());

      // The VM's own events name it, its pool and provider; its destruction still names the lease
      // it served.
      captured.await(
          WAIT, line -> line.contains("\"message\":\"VM destroyed\"") && line.contains(lease.vm));
      JsonNode destroyed =
          only(
              parse(captured.lines()),
              l ->
                  l.get("message").asText().equals("VM destroyed")
                      && l.path("vm").asText().equals(lease.vm));
      assertEquals("ci", destroyed.get("pool").asText());
      assertEquals("sim", destroyed.get("provider").asText());
      assertEquals(lease.id, destroyed.get("lease").asText());
      assertTrue(
          destroyed.hasNonNull("workflow_id"),
          "an activity's line names its workflow: " + destroyed);
    }
  }

  @Test
  void byDefaultLinesAreTextWithTheIdsAsKeyValuePairs() throws Exception {
    try (CorralApp app = CorralApp.start(config("text-logs", ""), FAST)) {
      Http http = new Http(app.baseUrl());
      captured = CapturedStderr.start();
      Lease lease = leaseAndRelease(http);

      List<String> lines = captured.lines();
      for (String line : lines) {
        assertFalse(line.startsWith("{"), "no JSON by default: " + line);
      }
      String created =
          lines.stream()
              .filter(l -> l.contains(" LeaseStore - lease created"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError("no lease created line in\n" + String.join("\n", lines)));
      assertTrue(TEXT_LINE.matcher(created).matches(), created);
      assertTrue(
          created.matches(
              ".* INFO LeaseStore - lease created, expires \\S+ lease="
                  + lease.id
                  + " vm="
                  + lease.vm
                  + " pool=ci"),
          created);
      assertTrue(
          lines.stream()
              .anyMatch(
                  l ->
                      l.matches(
                          ".* INFO LeaseStore - lease released: released by request lease="
                              + lease.id
                              + " vm="
                              + lease.vm
                              + " pool=ci")),
          String.join("\n", lines));
    }
  }

  private record Lease(String id, String vm) {}

  private static Lease leaseAndRelease(Http http) {
    http.await("/v1/pools", WAIT, pools -> Http.pool(pools, "ci").get("ready").asInt() == 2);
    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"ci\": 1}}");
    assertEquals(201, lease.status(), () -> "lease answer: " + lease.body());
    String id = lease.body().get("id").asText();
    String vm = lease.body().get("vms").get(0).get("name").asText();
    assertEquals(200, http.delete("/v1/leases/" + id).status());
    return new Lease(id, vm);
  }

  private static dev.corral.config.CorralConfig config(String dir, String logging) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        %s
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        pools:
          - {name: ci, template: ci-base, size: 2}
        """
            .formatted(TestDirs.fresh(dir), logging);
    return ConfigLoader.fromYaml(yaml, dir + ".yaml", Map.of());
  }

  private static List<JsonNode> parse(List<String> lines) throws IOException {
    List<JsonNode> parsed = new ArrayList<>();
    for (String line : lines) {
      parsed.add(JSON.readTree(line));
    }
    return parsed;
  }

  private static JsonNode only(List<JsonNode> lines, Predicate<JsonNode> which) {
    List<JsonNode> found = lines.stream().filter(which).toList();
    assertEquals(
        1,
        found.size(),
        () ->
            "one such line among\n"
                + lines.stream().map(JsonNode::toString).reduce("", (a, b) -> a + b + "\n"));
    return found.get(0);
  }
}
