package dev.corral.web.dashboard;

import dev.corral.web.api.LeaseView;
import dev.corral.web.api.TemplateChoices;
import dev.corral.web.api.TemplateService;
import java.util.List;

/**
 * The request page: a template group narrowed step by step to one build (group, version, date,
 * provider) with plain GET forms, then a POST form that leases it; no script. Each step shows what
 * the one before chose, so the page reads as the request so far. Every value goes through {@link
 * Html#text}.
 */
final class RequestPage {
  /** What the user chose so far; a null part is not chosen yet. */
  record Choice(
      String group,
      String version,
      String date,
      String provider,
      boolean prepared,
      Boolean container) {}

  /** What the page shows below the choices: the next step's options, or the lease made. */
  record Step(
      List<TemplateService.GroupView> groups,
      TemplateChoices.Versions versions,
      TemplateChoices.Dates dates,
      TemplateChoices.Providers providers,
      LeaseView lease,
      String error) {}

  private RequestPage() {}

  static String render(String user, Choice c, Step step) {
    Html h = new Html();
    h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<title>Corral: request VMs</title><style>")
        .raw(DashboardPage.CSS)
        .raw(
            "label{margin-right:10px}select,input{margin:2px 6px 2px 0}"
                + "button{margin-top:6px}</style></head><body>")
        .raw("<header><h1>Corral</h1><nav><a href=\"/\">Dashboard</a>")
        .raw("<a href=\"/request\">Request VMs</a></nav>");
    if (user != null) {
      h.raw("<span id=\"who\">signed in as <b>").text(user).raw("</b></span>");
    }
    h.raw("</header><main><section id=\"request\"><h2>Request VMs of a build</h2>");
    if (step.error() != null) {
      h.raw("<p class=\"error\" id=\"error\">").text(step.error()).raw("</p>");
    }
    if (step.lease() != null) {
      lease(h, step.lease());
    } else if (step.providers() != null) {
      providers(h, c, step.providers());
    } else if (step.dates() != null) {
      dates(h, c, step.dates());
    } else if (step.versions() != null) {
      versions(h, c, step.versions());
    } else if (step.groups() != null) {
      groups(h, step.groups());
    }
    h.raw("</section></main></body></html>\n");
    return h.toString();
  }

  private static void groups(Html h, List<TemplateService.GroupView> groups) {
    h.raw("<form method=\"get\" action=\"/request\"><label>Template group <select name=\"group\">");
    for (TemplateService.GroupView g : groups) {
      h.raw("<option>").text(g.name()).raw("</option>");
    }
    h.raw("</select></label><label><input type=\"checkbox\" name=\"prepared\" value=\"true\">")
        .raw(" prepared by Corral</label><label>Kind <select name=\"container\">")
        .raw("<option value=\"\">VMs or containers</option><option value=\"false\">VMs</option>")
        .raw("<option value=\"true\">containers</option></select></label>")
        .raw("<button type=\"submit\">Next: version</button></form>");
  }

  private static void versions(Html h, Choice c, TemplateChoices.Versions v) {
    chosen(h, c);
    if (v.versions().isEmpty()) {
      h.raw("<p>No build of this group that you could lease.</p>");
      return;
    }
    h.raw("<table><tr><th>version</th><th>newest date</th><th>providers</th><th>ready</th></tr>");
    for (TemplateChoices.VersionChoice vc : v.versions()) {
      h.raw("<tr data-version=\"")
          .text(vc.version())
          .raw("\"><td>")
          .text(vc.version())
          .raw("</td><td>")
          .text(vc.latestDate())
          .raw("</td><td>")
          .text(String.join(", ", vc.providers()))
          .raw("</td><td>")
          .text(vc.readyVms())
          .raw("</td></tr>");
    }
    h.raw("</table><form method=\"get\" action=\"/request\">");
    hidden(h, "group", c.group());
    kind(h, c);
    h.raw("<label>Version <select name=\"version\"><option value=\"latest\">latest (")
        .text(v.versions().get(0).version())
        .raw(")</option>");
    for (TemplateChoices.VersionChoice vc : v.versions()) {
      h.raw("<option>").text(vc.version()).raw("</option>");
    }
    h.raw("</select></label><button type=\"submit\">Next: date</button></form>");
  }

  private static void dates(Html h, Choice c, TemplateChoices.Dates d) {
    chosen(h, new Choice(c.group(), d.version(), null, null, c.prepared(), c.container()));
    h.raw("<table><tr><th>date</th><th>providers</th><th>ready</th></tr>");
    for (TemplateChoices.DateChoice dc : d.dates()) {
      h.raw("<tr data-date=\"")
          .text(dc.date())
          .raw("\"><td>")
          .text(dc.date())
          .raw("</td><td>")
          .text(String.join(", ", dc.providers()))
          .raw("</td><td>")
          .text(dc.readyVms())
          .raw("</td></tr>");
    }
    h.raw("</table><form method=\"get\" action=\"/request\">");
    hidden(h, "group", c.group());
    kind(h, c);
    hidden(h, "version", d.version());
    h.raw("<label>Date <select name=\"date\"><option value=\"latest\">latest</option>");
    for (TemplateChoices.DateChoice dc : d.dates()) {
      h.raw("<option>").text(dc.date()).raw("</option>");
    }
    h.raw("</select></label><button type=\"submit\">Next: provider</button></form>");
  }

  private static void providers(Html h, Choice c, TemplateChoices.Providers p) {
    chosen(
        h,
        new Choice(c.group(), p.version(), p.date().toString(), null, c.prepared(), c.container()));
    h.raw("<p id=\"ready\"><b>")
        .text(p.readyVms())
        .raw("</b> ready VM(s) of this build that you may lease now.</p>")
        .raw(
            "<table><tr><th>provider</th><th>template</th><th>ready</th><th>free VM slots</th>"
                + "<th>free clone slots</th></tr>");
    for (TemplateChoices.ProviderChoice pc : p.providers()) {
      h.raw("<tr data-provider=\"")
          .text(pc.name())
          .raw("\"><td>")
          .text(pc.name())
          .raw("</td><td>")
          .text(pc.template())
          .raw("</td><td>")
          .text(pc.readyVms())
          .raw("</td><td>")
          .text(pc.freeVms())
          .raw("</td><td>")
          .text(pc.freeCloneSlots())
          .raw("</td></tr>");
    }
    h.raw("</table><form method=\"post\" action=\"/request\" id=\"lease-form\">");
    hidden(h, "group", c.group());
    kind(h, c);
    hidden(h, "version", p.version());
    hidden(h, "date", p.date().toString());
    h.raw("<label>Provider <select name=\"provider\"><option value=\"\">any</option>");
    for (TemplateChoices.ProviderChoice pc : p.providers()) {
      h.raw("<option>").text(pc.name()).raw("</option>");
    }
    h.raw("</select></label><label>VMs <input type=\"number\" name=\"count\" value=\"1\" min=\"1\"")
        .raw(" max=\"100\"></label><label>Lifetime <input name=\"lifetime\" placeholder=\"2h\"")
        .raw(" size=\"6\"></label><label title=\"how long to wait for VMs cloned for you\">Wait")
        .raw(" <input name=\"wait\" placeholder=\"10m\" size=\"6\"></label>")
        .raw("<button type=\"submit\" id=\"lease\">Lease</button></form>");
  }

  private static void lease(Html h, LeaseView lease) {
    h.raw("<p id=\"lease\" data-lease=\"")
        .text(lease.id())
        .raw("\">Lease <code>")
        .text(lease.id())
        .raw("</code> is ")
        .text(lease.state());
    if ("pending".equals(lease.state())) {
      h.raw(": the VMs it misses are being cloned; it waits until ")
          .text(lease.expiresAt())
          .raw(". Reload this page to see it.</p><table>");
    } else {
      h.raw(", expires ").text(lease.expiresAt()).raw(".</p><table>");
    }
    h.raw("<tr><th>VM</th><th>hostname</th><th>ip</th><th>pool</th>").raw("<th>template</th></tr>");
    for (var vm : lease.vms()) {
      h.raw("<tr data-vm=\"")
          .text(vm.name())
          .raw("\"><td>")
          .text(vm.name())
          .raw("</td><td>")
          .text(vm.hostname())
          .raw("</td><td>")
          .text(vm.ip())
          .raw("</td><td>")
          .text(vm.pool())
          .raw("</td><td>")
          .text(vm.template())
          .raw("</td></tr>");
    }
    h.raw("</table><p class=\"muted\">Release it with <code>corral release ")
        .text(lease.id())
        .raw("</code> or DELETE /v1/leases/")
        .text(lease.id())
        .raw(".</p>");
  }

  private static void chosen(Html h, Choice c) {
    h.raw("<p id=\"chosen\">Group <b>").text(c.group()).raw("</b>");
    if (c.version() != null) {
      h.raw(", version <b>").text(c.version()).raw("</b>");
    }
    if (c.date() != null) {
      h.raw(", built <b>").text(c.date()).raw("</b>");
    }
    h.raw(c.prepared() ? ", prepared by Corral" : ", raw builds")
        .raw(c.container() == null ? "" : c.container() ? ", containers only" : ", VMs only")
        .raw(" (<a href=\"/request\">start again</a>)</p>");
  }

  /** Raw or prepared, and containers or VMs, carried from step to step. */
  private static void kind(Html h, Choice c) {
    hidden(h, "prepared", String.valueOf(c.prepared()));
    hidden(h, "container", c.container() == null ? "" : c.container().toString());
  }

  private static void hidden(Html h, String name, String value) {
    h.raw("<input type=\"hidden\" name=\"").text(name).raw("\" value=\"").text(value).raw("\">");
  }
}
