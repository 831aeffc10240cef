package dev.corral.web.dashboard;

// Over 400 lines: the page's markup, section by section in the order it appears on screen, so that
// the code
// reads like the page.

import dev.corral.web.api.InventoryViews.PoolView;
import dev.corral.web.api.InventoryViews.ProviderView;
import dev.corral.web.api.LeaseView;
import dev.corral.web.api.TemplateService.BuildView;
import dev.corral.web.api.TemplateService.StepView;
import dev.corral.workflows.model.BuildSteps;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dashboard as one HTML page: plain markup and a little CSS, no script; it reloads itself every
 * {@link #REFRESH_SECONDS} seconds. Every value goes through {@link Html#text}.
 */
final class DashboardPage {
  static final int REFRESH_SECONDS = 5;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  static final String CSS =
      """
      body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;margin:0;
        color:#1f2328;background:#f6f8fa}
      header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:baseline;flex-wrap:wrap}
      header h1{font-size:20px;margin:0}
      header a{color:#9ecbff}
      nav a{margin-right:12px}
      main{padding:8px 20px 24px}
      section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:14px 0}
      h2{font-size:17px;margin:2px 0 8px}
      h3{font-size:15px;margin:12px 0 4px}
      table{border-collapse:collapse;width:100%}
      th,td{text-align:left;vertical-align:top;padding:5px 8px;border-top:1px solid #eaeef2}
      th{font-weight:600;color:#57606a;border-top:none}
      .muted{color:#57606a;font-size:12px}
      .nowrap{white-space:nowrap}
      .bar{display:flex;width:240px;height:14px;background:#e6e9ec;border-radius:3px;overflow:hidden}
      .bar .ready{background:#2da44e}
      .bar .provisioning{background:repeating-linear-gradient(45deg,#d4a72c,#d4a72c 4px,#eac54f 4px,#eac54f 8px)}
      .bar .load{background:#0969da}
      .badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;
        background:#8c959f}
      .ok,.succeeded,.full,.active{background:#2da44e}
      .failing,.failed,.unreachable{background:#cf222e}
      .short,.running,.half-open{background:#bf8700}
      .queued,.pending,.skipped,.released,.expired,.draining{background:#8c959f}
      .cancelled,.disabled{background:#6e5494}
      ul.why{margin:4px 0 0;padding-left:18px;color:#57606a;font-size:12px}
      ol.chain{list-style:none;display:flex;flex-wrap:wrap;gap:4px;margin:0;padding:0}
      ol.chain li{border-radius:4px;padding:1px 7px;font-size:12px;color:#fff;background:#8c959f}
      ol.chain li.succeeded{background:#2da44e}
      ol.chain li.running{background:#bf8700}
      ol.chain li.failed{background:#cf222e}
      ol.chain li.pending,ol.chain li.skipped{background:#fff;color:#57606a;border:1px dashed #8c959f}
      .error{color:#cf222e;font-size:12px}
      code{font-size:12px}
      """;

  private DashboardPage() {}

  /**
   * While the database is away: the same page frame, what is wrong, and the same reload, so a
   * dashboard left open on a wall shows the outage and then the pools again by itself.
   */
  static String unavailable(String problem) {
    Html h = new Html();
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .raw("<title>Corral: database unavailable</title><style>")
        .raw(CSS)
        .raw("</style></head><body>")
        .raw(
            "<header><h1>Corral</h1></header><main><section><h2>The database is unavailable</h2><p class=\"error\">")
        .text(problem)
        .raw(
            "</p><p class=\"muted\">Nothing can be shown or changed until it is back; this page reloads every ")
        .text(Integer.toString(REFRESH_SECONDS))
        .raw(" s.</p></section></main></body></html>\n");
    return h.toString();
  }

  static String render(Dashboard.Snapshot s) {
    Html h = new Html();
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .raw("<title>Corral</title><style>")
        .raw(CSS)
        .raw("</style></head><body>");
    header(h, s);
    h.raw("<main>");
    pools(h, s);
    providers(h, s);
    templates(h, s);
    leases(h, s);
    h.raw("<p class=\"muted\">The same data as JSON: <a href=\"/v1/pools\">/v1/pools</a>, ")
        .raw("<a href=\"/v1/providers\">/v1/providers</a>, <a href=\"/v1/builds\">/v1/builds</a>, ")
        .raw("<a href=\"/v1/leases\">/v1/leases</a>.</p>");
    h.raw("</main></body></html>\n");
    return h.toString();
  }

  private static void header(Html h, Dashboard.Snapshot s) {
    h.raw(
            "<header><h1>Corral</h1><nav><a href=\"#pools\">Pools</a><a href=\"#providers\">Providers</a>")
        .raw("<a href=\"#templates\">Templates</a><a href=\"#leases\">Leases</a>")
        .raw("<a href=\"/request\">Request VMs</a></nav>")
        .raw("<span>updated <time id=\"updated\" datetime=\"")
        .text(s.at())
        .raw("\">")
        .text(TIME.format(s.at()))
        .raw(" UTC</time>, every ")
        .text(REFRESH_SECONDS)
        .raw(" s</span>");
    if (s.authOn()) {
      h.raw("<span id=\"who\">");
      if (s.caller().anonymous()) {
        h.raw("not signed in (<a href=\"/login\">sign in</a>)");
      } else {
        h.raw("signed in as <b>")
            .text(s.caller().user())
            .raw("</b>")
            .raw(s.caller().admin() ? " (admin)" : "");
      }
      h.raw("</span>");
    }
    h.raw("</header>");
  }

  // ---- pools

  private static void pools(Html h, Dashboard.Snapshot s) {
    h.raw("<section id=\"pools\"><h2>Pools</h2>");
    if (s.pools().isEmpty()) {
      h.raw("<p class=\"muted\">No pools are configured.</p></section>");
      return;
    }
    h.raw("<table><tr><th>Pool</th><th>Ready VMs</th><th>Template</th><th>State</th></tr>");
    for (Dashboard.PoolLine line : s.pools()) {
      PoolView p = line.pool();
      h.raw("<tr class=\"pool\" data-pool=\"")
          .text(p.name())
          .raw("\" data-ready=\"")
          .text(p.ready())
          .raw("\" data-size=\"")
          .text(p.size())
          .raw("\"><td class=\"nowrap\"><b>")
          .text(p.name())
          .raw("</b>");
      if (!p.alias().isEmpty()) {
        h.raw("<div class=\"muted\">alias ").text(String.join(", ", p.alias())).raw("</div>");
      }
      h.raw("<div class=\"muted\">on ")
          .text(String.join(", ", p.providers()))
          .raw("</div></td><td>");
      h.raw("<div class=\"bar\" title=\"")
          .text(p.ready() + " ready and " + p.provisioning() + " provisioning of " + p.size())
          .raw("\">");
      double ready = share(p.ready(), p.size());
      h.raw("<span class=\"ready\" style=\"width:").text(percent(ready)).raw("\"></span>");
      h.raw("<span class=\"provisioning\" style=\"width:")
          .text(percent(Math.min(share(p.provisioning(), p.size()), 1 - ready)))
          .raw("\"></span></div>");
      h.raw("<div><span class=\"fill\">")
          .text(p.ready() + " / " + p.size() + " ready")
          .raw("</span>");
      Map<String, Integer> others = new LinkedHashMap<>();
      others.put("provisioning", p.provisioning());
      others.put("leased", p.leased());
      others.put("cleaning", p.cleaning());
      others.put("held for reuse", p.reusable());
      others.put("destroying", p.destroying());
      others.put("failed (24 h)", p.failed());
      others.forEach(
          (what, n) -> {
            if (n > 0 || what.equals("provisioning") || what.equals("leased")) {
              h.raw(" · <span class=\"count\">").text(n + " " + what).raw("</span>");
            }
          });
      h.raw("</div></td><td>");
      if (p.template() == null) {
        h.raw("<i>none yet</i>");
      } else {
        h.raw("<code>").text(p.template()).raw("</code>");
      }
      if (p.templateSelector() != null) {
        h.raw("<div class=\"muted\">group ")
            .text(p.templateSelector().templateGroup())
            .raw(", ")
            .text(p.templateSelector().templateVersion())
            .raw(p.templateSelector().templatePrepared() ? ", prepared" : ", raw")
            .raw("</div>");
      }
      h.raw("</td><td>");
      if (!p.active()) {
        h.raw(
            "<span class=\"badge draining\">draining</span><div class=\"muted\">removed from the config</div>");
      } else if (line.shortBecause().isEmpty()) {
        h.raw("<span class=\"badge full\">full</span>");
      } else {
        h.raw("<span class=\"badge short\">short by ")
            .text(p.size() - p.ready())
            .raw("</span><ul class=\"why\">");
        line.shortBecause().forEach(why -> h.raw("<li>").text(why).raw("</li>"));
        h.raw("</ul>");
      }
      h.raw("</td></tr>");
    }
    h.raw("</table></section>");
  }

  // ---- providers

  private static void providers(Html h, Dashboard.Snapshot s) {
    h.raw("<section id=\"providers\"><h2>Providers</h2>");
    if (s.providers().isEmpty()) {
      h.raw("<p class=\"muted\">No providers are configured.</p></section>");
      return;
    }
    h.raw("<table><tr><th>Provider</th><th>State</th><th>Load</th><th>VMs (provider / Corral)</th>")
        .raw("<th>Clone slots free</th><th>Build slots free</th></tr>");
    for (ProviderView p : s.providers()) {
      String state = p.error() != null ? "unreachable" : p.state();
      h.raw("<tr class=\"provider\" data-provider=\"")
          .text(p.name())
          .raw("\" data-state=\"")
          .text(state)
          .raw("\"><td><b>")
          .text(p.name())
          .raw("</b><div class=\"muted\">")
          .text(p.type())
          .raw("</div></td>");
      h.raw("<td><span class=\"badge ").text(state).raw("\">").text(state).raw("</span>");
      if (p.retryAt() != null) {
        h.raw("<div class=\"muted\">trial VM from ").raw(time(p.retryAt(), s.at())).raw("</div>");
      }
      if (p.disabledReason() != null) {
        h.raw("<div class=\"muted\">").text(p.disabledReason()).raw("</div>");
      }
      if (p.error() != null) {
        h.raw("<div class=\"error\">").text(p.error()).raw("</div>");
      }
      h.raw("</td><td><div class=\"bar\" title=\"")
          .text(p.inventoryVms() + " of max_vms " + p.maxVms())
          .raw("\"><span class=\"load\" style=\"width:")
          .text(percent(Math.min(1, p.load())))
          .raw("\"></span></div>")
          .raw("<div>")
          .text(Math.round(p.load() * 100) + " % of " + p.maxVms())
          .raw("</div></td>");
      h.raw("<td>").text((p.vms() == null ? "?" : p.vms()) + " / " + p.inventoryVms()).raw("</td>");
      h.raw("<td>").text(p.cloneSlotsFree() + " of " + p.maxConcurrentClones()).raw("</td>");
      h.raw("<td>").text(p.buildSlotsFree() + " of " + p.maxConcurrentBuilds()).raw("</td></tr>");
    }
    h.raw("</table></section>");
  }

  // ---- template groups and builds

  private static void templates(Html h, Dashboard.Snapshot s) {
    h.raw("<section id=\"templates\"><h2>Template groups</h2>");
    if (s.groups().isEmpty()) {
      h.raw("<p class=\"muted\">No template groups are configured.</p>");
    }
    for (Dashboard.GroupLine g : s.groups()) {
      h.raw("<div class=\"group\" data-group=\"")
          .text(g.group().name())
          .raw("\"><h3>")
          .text(g.group().name())
          .raw("</h3><div class=\"muted\">templates: ");
      Map<String, Integer> counts = new TreeMap<>(g.group().templates());
      if (counts.isEmpty()) {
        h.raw("none yet");
      }
      List<String> parts = new ArrayList<>();
      counts.forEach((state, n) -> parts.add(n + " " + state));
      h.text(String.join(", ", parts))
          .raw("; keeps ")
          .text(g.group().keepPrepared())
          .raw(" prepared</div>");
      if (g.builds().isEmpty()) {
        h.raw("<p class=\"muted\">No builds yet.</p></div>");
        continue;
      }
      h.raw(
          "<table><tr><th>Build</th><th>State</th><th>Chain</th><th>Times</th><th>Workflow</th></tr>");
      for (BuildView b : g.builds()) {
        build(h, b, s.at());
      }
      h.raw("</table></div>");
    }
    h.raw("</section>");
  }

  private static void build(Html h, BuildView b, Instant now) {
    h.raw("<tr class=\"build\" data-build=\"")
        .text(b.id())
        .raw("\"><td>#")
        .text(b.id())
        .raw(" <code>")
        .text(b.sourceTemplate())
        .raw("</code>");
    if (b.resultTemplate() != null) {
      h.raw(" → <code>").text(b.resultTemplate()).raw("</code>");
    }
    h.raw("<div class=\"muted\">on ").text(b.provider());
    if (b.retryOf() != null) {
      h.raw(", retry of #").text(b.retryOf());
    }
    h.raw("</div></td><td><span class=\"badge ")
        .text(b.state())
        .raw("\">")
        .text(b.state())
        .raw("</span>");
    if (b.error() != null) {
      h.raw("<div class=\"error\">").text(b.error()).raw("</div>");
    }
    h.raw("</td><td><ol class=\"chain\">");
    boolean ended = b.endedAt() != null;
    Map<String, StepView> byName = new LinkedHashMap<>();
    b.steps().forEach(step -> byName.put(step.name(), step));
    for (String name : BuildSteps.CHAIN) {
      step(h, name, byName.remove(name), ended);
    }
    byName.forEach((name, step) -> step(h, name, step, ended)); // delete_on_error, after a failure
    h.raw("</ol></td><td class=\"muted\">created ").raw(time(b.createdAt(), now));
    if (b.startedAt() != null) {
      h.raw("<br>started ").raw(time(b.startedAt(), now));
    }
    if (b.endedAt() != null) {
      h.raw("<br>ended ").raw(time(b.endedAt(), now));
    }
    h.raw("</td><td>");
    String url = b.workflowUrl();
    if (url != null && (url.startsWith("http://") || url.startsWith("https://"))) {
      h.raw("<a class=\"workflow\" href=\"").text(url).raw("\">").text(b.workflowId()).raw("</a>");
    } else {
      h.raw("<code>").text(b.workflowId()).raw("</code>");
    }
    h.raw("</td></tr>");
  }

  private static void step(Html h, String name, StepView step, boolean buildEnded) {
    String state = step != null ? step.state() : buildEnded ? "skipped" : "pending";
    h.raw("<li class=\"step ").text(state).raw("\" data-step=\"").text(name).raw("\" title=\"");
    if (step == null) {
      h.text(name + ": " + state);
    } else {
      h.text(
          name
              + ": "
              + state
              + ", "
              + step.attempts()
              + " attempt(s)"
              + (step.startedAt() == null
                  ? ""
                  : ", from " + step.startedAt().truncatedTo(ChronoUnit.MILLIS))
              + (step.endedAt() == null
                  ? ""
                  : " to " + step.endedAt().truncatedTo(ChronoUnit.MILLIS))
              + (step.error() == null ? "" : ": " + step.error()));
    }
    h.raw("\">").text(name);
    if (step != null && step.startedAt() != null && step.endedAt() != null) {
      h.raw(" ").text(took(Duration.between(step.startedAt(), step.endedAt())));
    }
    h.raw("</li>");
  }

  // ---- leases

  private static void leases(Html h, Dashboard.Snapshot s) {
    h.raw("<section id=\"leases\"><h2>Recent leases</h2>");
    if (s.leases() == null) {
      h.raw(
              "<p class=\"muted\">Leases belong to their owners: <a href=\"/login\">sign in</a> to see yours ")
          .raw("(an admin sees everyone's).</p></section>");
      return;
    }
    if (s.leases().isEmpty()) {
      h.raw("<p class=\"muted\">No leases yet.</p></section>");
      return;
    }
    h.raw("<p class=\"muted\">The newest ")
        .text(Dashboard.LEASES)
        .raw(s.authOn() && !s.caller().admin() ? " of your leases" : "")
        .raw(", newest first.</p>");
    h.raw(
        "<table><tr><th>Lease</th><th>Owner</th><th>VMs</th><th>State</th><th>Expires</th><th>Tags</th></tr>");
    for (LeaseView l : s.leases()) {
      h.raw("<tr class=\"lease\" data-lease=\"")
          .text(l.id())
          .raw("\"><td><code title=\"")
          .text(l.id())
          .raw("\">")
          .text(l.id().length() > 8 ? l.id().substring(0, 8) : l.id())
          .raw("</code><div class=\"muted\">from ")
          .raw(time(l.createdAt(), s.at()))
          .raw("</div></td><td>");
      if (l.owner() == null) {
        h.raw("<i>anonymous</i>");
      } else {
        h.text(l.owner());
      }
      h.raw("</td><td>");
      for (LeaseView.VmView vm : l.vms()) {
        // A VM's own state only where it says more than the lease's (say, a leased VM that was
        // lost).
        boolean ownState = vm.state() != null && !vm.state().equals("leased");
        h.raw("<div class=\"vm\"><code>")
            .text(vm.name())
            .raw("</code> <span class=\"muted\">")
            .text(vm.pool())
            .raw(ownState ? ", " : "")
            .text(ownState ? vm.state() : "")
            .raw("</span></div>");
      }
      if (l.vms().isEmpty()) {
        h.raw("<span class=\"muted\">none</span>");
      }
      h.raw("</td><td><span class=\"badge ")
          .text(l.state())
          .raw("\">")
          .text(l.state())
          .raw("</span>");
      if (l.endReason() != null) {
        h.raw("<div class=\"muted\">").text(l.endReason()).raw("</div>");
      }
      h.raw("</td><td>");
      if (l.endedAt() != null) {
        h.raw("ended ").raw(time(l.endedAt(), s.at()));
      } else if (l.expiresAt() != null) {
        h.raw(time(l.expiresAt(), s.at()));
      }
      h.raw("</td><td>");
      l.tags()
          .forEach(
              (k, v) ->
                  h.raw("<div class=\"tag\"><b>").text(k).raw("</b>: ").text(v).raw("</div>"));
      h.raw("</td></tr>");
    }
    h.raw("</table></section>");
  }

  // ---- formatting

  /** A moment as markup: the UTC clock time (with the date when not today) and how far from now. */
  private static String time(Instant t, Instant now) {
    if (t == null) {
      return "";
    }
    boolean today =
        t.atZone(ZoneOffset.UTC).toLocalDate().equals(now.atZone(ZoneOffset.UTC).toLocalDate());
    return "<time datetime=\""
        + Html.escape(t.truncatedTo(ChronoUnit.MILLIS))
        + "\">"
        + Html.escape((today ? TIME : DATE_TIME).format(t))
        + "</time> <span class=\"muted\">("
        + Html.escape(relative(t, now))
        + ")</span>";
  }

  static String relative(Instant t, Instant now) {
    Duration d = Duration.between(now, t);
    String span = took(d.abs().truncatedTo(ChronoUnit.SECONDS));
    return d.isNegative() ? span + " ago" : "in " + span;
  }

  /** "850 ms", "12 s", "3 m 4 s", "2 h 5 m", "3 d 4 h". */
  static String took(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    long s = d.toSeconds();
    if (s < 60) {
      return ms < 10_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : s + " s";
    }
    if (s < 3600) {
      return s / 60 + " m " + s % 60 + " s";
    }
    if (s < 86_400) {
      return s / 3600 + " h " + s % 3600 / 60 + " m";
    }
    return s / 86_400 + " d " + s % 86_400 / 3600 + " h";
  }

  private static double share(int part, int whole) {
    return whole <= 0 ? 0 : Math.min(1, Math.max(0, (double) part / whole));
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", Math.max(0, share) * 100);
  }
}
