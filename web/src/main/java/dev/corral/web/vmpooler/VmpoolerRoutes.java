package dev.corral.web.vmpooler;

import io.javalin.Javalin;
import java.util.List;

/**
 * The vmpooler API v3 mount point. Each group of endpoints (status and stats, config, tokens, VMs,
 * on-demand) is a {@link Part} of its own, so they are written and changed independently.
 */
public final class VmpoolerRoutes {
  public static final String BASE = "/api/v3";

  /** One group of vmpooler endpoints; paths are {@code base + "/..."}. */
  public interface Part {
    void register(Javalin app, String base);
  }

  private final List<Part> parts;

  public VmpoolerRoutes(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  public void register(Javalin app) {
    VmpoolerErrors.register(app);
    parts.forEach(part -> part.register(app, BASE));
  }
}
