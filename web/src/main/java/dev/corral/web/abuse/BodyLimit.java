package dev.corral.web.abuse;

import dev.corral.web.api.ApiException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.servlet.FilterHolder;

/**
 * {@code server.max_body_bytes}: a request whose body is bigger gets 413 before any handler runs,
 * so nothing is parsed and nothing changes. A declared {@code Content-Length} over the limit is
 * refused at once; a body without one (chunked) is read here through a counting stream that stops
 * at the limit, and Javalin keeps the bytes for the handler.
 */
public final class BodyLimit {
  private final int maxBytes;

  public BodyLimit(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Javalin's own check (Content-Length only) and the servlet filter that bounds chunked bodies.
   */
  public void configure(JavalinConfig cfg) {
    cfg.http.maxRequestSize = maxBytes;
    cfg.jetty.modifyServletContextHandler(
        handler ->
            handler.addFilter(
                new FilterHolder(
                    (Filter)
                        (req, res, chain) ->
                            chain.doFilter(
                                req instanceof HttpServletRequest http
                                    ? new Bounded(http, maxBytes)
                                    : req,
                                res)),
                "/*",
                EnumSet.of(DispatcherType.REQUEST)));
  }

  /** Registered first, before authentication: an oversized body costs nothing but this check. */
  public void register(Javalin app) {
    app.before(this::check);
  }

  private void check(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBytes) {
      throw tooLarge(maxBytes, declared);
    }
    if (declared < 0 && ctx.header("Transfer-Encoding") != null) {
      ctx.bodyAsBytes(); // reads through Bounded, which throws at the limit; Javalin caches the
      // bytes
    }
  }

  static ApiException tooLarge(int maxBytes, long declared) {
    String size = declared >= 0 ? declared + " bytes" : "more than " + maxBytes + " bytes";
    return new ApiException(
        413,
        "body_too_large",
        "the request body is "
            + size
            + "; the limit is "
            + maxBytes
            + " bytes (server.max_body_bytes)",
        Map.of("max_body_bytes", maxBytes));
  }

  /** A request whose body stream fails once more than {@code maxBytes} have been read. */
  private static final class Bounded extends HttpServletRequestWrapper {
    private final int maxBytes;
    private ServletInputStream stream;

    Bounded(HttpServletRequest request, int maxBytes) {
      super(request);
      this.maxBytes = maxBytes;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new CountingStream(super.getInputStream(), maxBytes);
      }
      return stream;
    }
  }

  private static final class CountingStream extends ServletInputStream {
    private final ServletInputStream in;
    private final int maxBytes;
    private long read;

    CountingStream(ServletInputStream in, int maxBytes) {
      this.in = in;
      this.maxBytes = maxBytes;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > maxBytes) {
        throw tooLarge(maxBytes, -1);
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
