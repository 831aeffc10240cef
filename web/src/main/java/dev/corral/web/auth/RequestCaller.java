package dev.corral.web.auth;

import io.javalin.http.Context;

/**
 * Where a request's {@link Caller} lives between the auth filter (which sets it before any handler)
 * and the handlers (which read it). Without an auth filter every request is {@link Caller#OPEN}.
 */
public final class RequestCaller {
  private static final String ATTRIBUTE = "corral.caller";

  private RequestCaller() {}

  public static void set(Context ctx, Caller caller) {
    ctx.attribute(ATTRIBUTE, caller);
  }

  public static Caller of(Context ctx) {
    Caller caller = ctx.attribute(ATTRIBUTE);
    return caller == null ? Caller.OPEN : caller;
  }
}
