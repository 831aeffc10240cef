package dev.corral.web.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * An exception as logback shows it, with its class name and message (and its causes' and suppressed
 * ones') {@linkplain OneLine escaped}: a message can hold a client's text, but a stack trace's line
 * breaks must be only those logback writes between its own lines ({@code at …}, {@code Caused by:
 * …}).
 */
final class EscapedThrowable implements IThrowableProxy {
  private final IThrowableProxy error;

  private EscapedThrowable(IThrowableProxy error) {
    this.error = error;
  }

  static IThrowableProxy of(IThrowableProxy error) {
    return error == null ? null : new EscapedThrowable(error);
  }

  @Override
  public String getMessage() {
    return OneLine.escape(error.getMessage());
  }

  @Override
  public String getOverridingMessage() {
    return OneLine.escape(error.getOverridingMessage());
  }

  @Override
  public String getClassName() {
    // Not always a local class: a Temporal failure names the class the remote side reported.
    return OneLine.escape(error.getClassName());
  }

  @Override
  public StackTraceElementProxy[] getStackTraceElementProxyArray() {
    return error.getStackTraceElementProxyArray();
  }

  @Override
  public int getCommonFrames() {
    return error.getCommonFrames();
  }

  @Override
  public IThrowableProxy getCause() {
    return of(error.getCause());
  }

  @Override
  public IThrowableProxy[] getSuppressed() {
    IThrowableProxy[] suppressed = error.getSuppressed();
    if (suppressed == null) {
      return null;
    }
    IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
    for (int i = 0; i < suppressed.length; i++) {
      escaped[i] = of(suppressed[i]);
    }
    return escaped;
  }

  @Override
  public boolean isCyclic() {
    return error.isCyclic();
  }
}
