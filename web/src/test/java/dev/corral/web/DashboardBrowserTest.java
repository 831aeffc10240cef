package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The dashboard as a person sees it: a real Corral with two pools, a lease, and Debian's Chromium
 * (headless) loading {@code /}, taking a screenshot and dumping the DOM it built. Then the page's
 * cost: the number of SELECTs one render runs stays the same when the inventory grows by sixty
 * leases and their VMs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final int DEBIAN_SIZE = 10;
  private static final int FEDORA_SIZE = 2;

  /** The screenshot, kept after the run for a person to look at. */
  private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");

  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    // Quiet on purpose (hourly shepherd timer, reconciler and tracker): the cost test counts the
    // server's SELECTs,
    // and shepherds still wake at once when a lease nudges them.
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        tracker: {interval: 1h}
        reconcile: {tick: 1h, window: 1h}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 150, max_concurrent_clones: 10}
        pools:
          - {name: debian-12-x86_64, alias: [debian-12-64], template: debian-12-base, size: %d}
          - {name: fedora-40-x86_64, alias: [fedora-40-64], template: fedora-40-base, size: %d}
        """
            .formatted(TestDirs.fresh("e2e-dashboard-browser"), DEBIAN_SIZE, FEDORA_SIZE);
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "dashboard-browser.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofHours(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static void awaitFull() {
    http.await(
        "/v1/pools",
        FILL,
        pools ->
            Http.pool(pools, "debian-12-x86_64").get("ready").asInt() == DEBIAN_SIZE
                && Http.pool(pools, "fedora-40-x86_64").get("ready").asInt() == FEDORA_SIZE);
  }

  @Test
  @Order(1)
  void chromiumShowsBothPoolsWithTheirFill_andTheLease() throws IOException {
    awaitFull();
    Http.Reply leased =
        http.post(
            "/v1/leases",
            "{\"vms\": {\"debian-12-64\": 2}, \"lifetime\": \"3h\","
                + " \"tags\": {\"job\": \"nightly-42\"}}");
    assertEquals(201, leased.status(), () -> leased.body().toString());
    String leaseId = leased.body().get("id").asText();
    List<String> vms = new ArrayList<>();
    leased.body().get("vms").forEach(vm -> vms.add(vm.get("name").asText()));
    awaitFull();

    HeadlessChromium chromium = new HeadlessChromium();
    String dom = chromium.dumpDom(app.baseUrl() + "/");
    assertTrue(dom.contains("<title>Corral</title>"), dom);
    for (String pool : List.of("debian-12-x86_64", "fedora-40-x86_64")) {
      assertTrue(dom.contains("data-pool=\"" + pool + "\""), "pool " + pool + " on the page");
    }
    String debian = row(dom, "pool", "debian-12-x86_64");
    assertTrue(debian.contains(DEBIAN_SIZE + " / " + DEBIAN_SIZE + " ready"), debian);
    assertTrue(debian.contains("2 leased"), debian);
    assertTrue(debian.contains("debian-12-base"), "the pool's template: " + debian);
    assertTrue(debian.contains(">full<"), debian);
    String fedora = row(dom, "pool", "fedora-40-x86_64");
    assertTrue(fedora.contains(FEDORA_SIZE + " / " + FEDORA_SIZE + " ready"), fedora);
    assertTrue(fedora.contains("0 leased"), fedora);
    String provider = row(dom, "provider", "sim");
    assertTrue(provider.contains("data-state=\"ok\""), provider);
    String lease = row(dom, "lease", leaseId);
    for (String vm : vms) {
      assertTrue(lease.contains(vm), "VM " + vm + " in the lease's row: " + lease);
    }
    assertTrue(
        lease.contains("active") && lease.contains("nightly-42") && lease.contains("anonymous"),
        lease);
    assertTrue(
        lease.contains("(in 2 h 59 m") || lease.contains("(in 3 h 0 m"),
        "expires in about 3 h: " + lease);

    Path png = chromium.screenshot(app.baseUrl() + "/", 1400, 1000);
    Files.copy(png, SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
    assertTrue(
        Files.size(png) > 20_000,
        "a screenshot of a whole page, not a blank one: " + Files.size(png) + " bytes");
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1400, image.getWidth());
    assertEquals(1000, image.getHeight());
    int green = 0;
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (near(rgb, 0x2da44e)) {
          green++;
        }
      }
    }
    assertTrue(
        colours.size() > 50,
        "text, bars and badges in many colours, not a blank page: " + colours.size());
    assertTrue(
        green > 200,
        "the full pools' green fill bars and badges are drawn: " + green + " sampled pixels");
  }

  @Test
  @Order(2)
  void oneRender_runsAsManyQueries_withSixtyMoreLeasesAndTheirVms_andShowsFiftyLeases() {
    awaitFull();
    long before = selectsPerRender();

    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < DEBIAN_SIZE; i++) {
        Http.Reply leased = http.post("/v1/leases", "{\"vms\": {\"debian-12-x86_64\": 1}}");
        assertEquals(201, leased.status(), () -> leased.body().toString());
      }
      awaitFull();
    }
    assertEquals(61, http.get("/v1/leases?limit=100").body().size());

    long after = selectsPerRender();
    assertEquals(
        before,
        after,
        "SELECTs of one render of / with 1 lease, then with 61 leases and 60 more VMs");
    Http.Page page = http.page("/");
    assertEquals(50, count(page.body(), "<tr class=\"lease\""), "the lease list is capped");
    assertTrue(row(page.body(), "pool", "debian-12-x86_64").contains("62 leased"));
  }

  /** The fewest SELECTs the server ran during one render of {@code /}, over three renders. */
  private static long selectsPerRender() {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long start = comSelect();
      Http.Page page = http.page("/");
      long end = comSelect();
      assertEquals(200, page.status());
      best = Math.min(best, end - start);
    }
    assertTrue(best > 0 && best < 100, "a render runs a few dozen SELECTs at most: " + best);
    return best;
  }

  private static long comSelect() {
    try (Connection c = app.db().dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_select'")) {
      rs.next();
      return rs.getLong(2);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The table row of the {@code kind} (pool, provider, lease) whose data attribute is {@code key}.
   */
  static String row(String html, String kind, String key) {
    Matcher m =
        Pattern.compile(
                "<tr class=\""
                    + kind
                    + "\" data-"
                    + kind
                    + "=\""
                    + Pattern.quote(key)
                    + "\".*?</tr>",
                Pattern.DOTALL)
            .matcher(html);
    assertTrue(m.find(), "no " + kind + " row for " + key);
    return m.group();
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static boolean near(int rgb, int target) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs((rgb >> shift & 0xff) - (target >> shift & 0xff)) > 12) {
        return false;
      }
    }
    return true;
  }
}
