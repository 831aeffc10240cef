package dev.corral.web;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What start-up made that must be stopped, in the order it was made; {@link #stopAll} stops it in
 * reverse, so a part is always stopped before what it uses (the API before the workers, the workers
 * before the database).
 */
final class StopList {
  private static final Logger log = LoggerFactory.getLogger(StopList.class);
  private final Deque<AutoCloseable> parts = new ArrayDeque<>();

  /** Adds {@code part} and returns it, so a part is registered where it is made. */
  synchronized <T extends AutoCloseable> T add(T part) {
    parts.push(part);
    return part;
  }

  synchronized boolean isEmpty() {
    return parts.isEmpty();
  }

  /**
   * Stops every part, newest first; a part that fails to stop is logged and the others still stop.
   */
  synchronized void stopAll() {
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }
}
