package dev.corral.web.dashboard;

import dev.corral.config.Durations;
import dev.corral.web.abuse.CrossOriginWrites;
import dev.corral.web.api.ApiException;
import dev.corral.web.api.LeaseRequest;
import dev.corral.web.api.LeaseService;
import dev.corral.web.api.LeaseView;
import dev.corral.web.api.PendingLeaseView;
import dev.corral.web.api.TemplateChoices;
import dev.corral.web.api.TemplatePick;
import dev.corral.web.api.TemplateService;
import dev.corral.web.auth.Caller;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Duration;
import java.util.Map;

/**
 * {@code GET /request}: a signed-in user narrows a template group to one build with plain forms,
 * the page showing at each step what {@code /v1/template-groups/...} would answer them; {@code POST
 * /request} leases it as {@code POST /v1/leases} with a template would, then shows the lease. The
 * POST is taken only from Corral's own page: the browser must say so ({@code Origin} of this host,
 * or {@code Sec-Fetch-Site: same-origin}); a browser that says neither, or another site, is
 * refused.
 */
public final class RequestRoutes {
  public static final String PATH = "/request";

  /** The request page may submit its forms to itself, and nowhere else. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

  private final TemplateService templates;
  private final TemplateChoices choices;
  private final LeaseService leases;
  private final boolean authOn;

  public RequestRoutes(
      TemplateService templates, TemplateChoices choices, LeaseService leases, boolean authOn) {
    this.templates = templates;
    this.choices = choices;
    this.leases = leases;
    this.authOn = authOn;
  }

  public void register(Javalin app) {
    app.get(PATH, this::page);
    app.post(PATH, this::lease);
  }

  private void page(Context ctx) {
    Caller caller = signedIn(ctx);
    RequestPage.Choice c =
        choice(
            ctx.queryParam("group"),
            ctx.queryParam("version"),
            ctx.queryParam("date"),
            null,
            ctx.queryParam("prepared"),
            ctx.queryParam("container"));
    TemplateChoices.Kind kind = new TemplateChoices.Kind(c.prepared(), c.container());
    RequestPage.Step step;
    try {
      String leaseId = ctx.queryParam("lease");
      if (leaseId != null) {
        step = new RequestPage.Step(null, null, null, null, leases.get(caller, leaseId), null);
      } else if (c.group() == null) {
        step =
            new RequestPage.Step(
                templates.groups().stream().filter(TemplateService.GroupView::active).toList(),
                null,
                null,
                null,
                null,
                null);
      } else if (c.version() == null) {
        step =
            new RequestPage.Step(
                null, choices.versions(caller, c.group(), kind), null, null, null, null);
      } else if (c.date() == null) {
        step =
            new RequestPage.Step(
                null, null, choices.dates(caller, c.group(), c.version(), kind), null, null, null);
      } else {
        step =
            new RequestPage.Step(
                null,
                null,
                null,
                choices.providers(caller, c.group(), c.version(), c.date(), kind),
                null,
                null);
      }
    } catch (ApiException e) {
      ctx.status(e.status());
      step = new RequestPage.Step(null, null, null, null, null, e.getMessage());
    }
    show(ctx, caller, c, step);
  }

  private void lease(Context ctx) {
    Caller caller = signedIn(ctx);
    String origin = ctx.header("Origin");
    boolean ownPage =
        origin != null
            ? CrossOriginWrites.sameOrigin(origin, ctx)
            : "same-origin".equals(ctx.header("Sec-Fetch-Site"));
    if (!ownPage) {
      throw new ApiException(
          403,
          "cross_origin_refused",
          "the request form is taken only from Corral's own request page",
          Map.of());
    }
    RequestPage.Choice c =
        choice(
            ctx.formParam("group"),
            ctx.formParam("version"),
            ctx.formParam("date"),
            ctx.formParam("provider"),
            ctx.formParam("prepared"),
            ctx.formParam("container"));
    try {
      LeaseRequest request =
          new LeaseRequest(
              null,
              new TemplatePick(
                  c.group(), c.version(), c.date(), c.provider(), c.prepared(), c.container()),
              count(ctx.formParam("count")),
              duration(ctx.formParam("lifetime"), "lifetime"),
              null,
              duration(ctx.formParam("wait"), "wait"));
      Object made = leases.create(caller, request).lease();
      // A lease that waits for clones is shown as it stands; the page says to reload it.
      String id = made instanceof LeaseView lease ? lease.id() : ((PendingLeaseView) made).id();
      ctx.redirect(PATH + "?lease=" + id, HttpStatus.SEE_OTHER);
    } catch (ApiException e) {
      ctx.status(e.status());
      show(ctx, caller, c, new RequestPage.Step(null, null, null, null, null, e.getMessage()));
    }
  }

  /** With auth on, only a signed-in user: the browser asks for credentials (HTTP Basic). */
  private Caller signedIn(Context ctx) {
    Caller caller = RequestCaller.of(ctx);
    if (authOn && caller.anonymous()) {
      throw new ApiException(
          401, "unauthenticated", "sign in with your Corral user name and password", Map.of());
    }
    return caller;
  }

  private static void show(Context ctx, Caller caller, RequestPage.Choice c, RequestPage.Step s) {
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        .header("Cache-Control", "no-store")
        .html(RequestPage.render(caller.anonymous() ? null : caller.user(), c, s));
  }

  private static RequestPage.Choice choice(
      String group,
      String version,
      String date,
      String provider,
      String prepared,
      String container) {
    return new RequestPage.Choice(
        blankToNull(group),
        blankToNull(version),
        blankToNull(date),
        blankToNull(provider),
        "true".equals(prepared),
        TemplateChoices.Kind.of(null, blankToNull(container)).container());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static Integer count(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Integer.valueOf(text.strip());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "VMs must be a whole number, not '" + ApiException.clip(text) + "'",
          Map.of("field", "count"));
    }
  }

  private static Duration duration(String text, String field) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Durations.parse(text.strip());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field + ": " + e.getMessage(), Map.of("field", field));
    }
  }
}
