package dev.corral.activities.provider.docker;

import dev.corral.activities.provider.TemplateSidecar;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Corral's labels, what marks its containers and templates on a daemon for operators' tools as for
 * Corral. A container is Corral's when {@link #SCOPE} names the provider's scope: containers of
 * another scope (another provider, or another Corral, on the same daemon) are never listed, adopted
 * or destroyed. An image is a template when it carries {@link #TEMPLATE_VERSION}.
 */
final class Labels {
  /** The scope of the provider a container belongs to. */
  static final String SCOPE = "dev.corral.scope";

  static final String VM_TEMPLATE = "dev.corral.vm.template";
  static final String VM_POOL = "dev.corral.vm.pool";
  static final String VM_CREATED = "dev.corral.vm.created";

  /**
   * The guest ports a container publishes, {@code name=port,...}: its own, whatever the config says
   * later.
   */
  static final String VM_PORTS = "dev.corral.vm.ports";

  static final String TEMPLATE_GROUP = "dev.corral.template.group";
  static final String TEMPLATE_VERSION = "dev.corral.template.version";
  static final String TEMPLATE_DATE = "dev.corral.template.date";
  static final String TEMPLATE_PREPARED = "dev.corral.template.prepared";
  static final String TEMPLATE_SOURCE = "dev.corral.template.source";

  /** The container labels; a commit must not hand them on to the image. */
  static final List<String> CONTAINER = List.of(SCOPE, VM_TEMPLATE, VM_POOL, VM_CREATED, VM_PORTS);

  private Labels() {}

  /** The labels of a new container of {@code scope}. */
  static Map<String, String> container(
      String scope, String template, String pool, Instant created, Map<String, Integer> ports) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SCOPE, scope);
    labels.put(VM_TEMPLATE, template);
    // Empty rather than missing: a container's labels start as its image's, and a prepared
    // image must not name a pool.
    labels.put(VM_POOL, pool == null ? "" : pool);
    labels.put(VM_CREATED, created.toString());
    labels.put(
        VM_PORTS,
        ports.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(",")));
    return labels;
  }

  /** The guest ports of {@link #VM_PORTS}, in the order written. */
  static Map<String, Integer> ports(Map<String, String> labels) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    String value = labels == null ? null : labels.get(VM_PORTS);
    if (value == null || value.isBlank()) {
      return ports;
    }
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        try {
          ports.put(pair.substring(0, eq), Integer.parseInt(pair.substring(eq + 1)));
        } catch (NumberFormatException e) {
          // Edited by hand: the port is not published under a name Corral knows.
        }
      }
    }
    return ports;
  }

  /** What an image's labels say of it as a template, in the fields sidecars use. */
  static TemplateSidecar template(Map<String, String> labels) {
    if (labels == null) {
      return TemplateSidecar.NONE;
    }
    return new TemplateSidecar(
        blankToNull(labels.get(TEMPLATE_GROUP)),
        blankToNull(labels.get(TEMPLATE_VERSION)),
        blankToNull(labels.get(TEMPLATE_DATE)),
        "true".equals(labels.get(TEMPLATE_PREPARED)) ? Boolean.TRUE : null,
        blankToNull(labels.get(TEMPLATE_SOURCE)),
        null);
  }

  /** The labels of a template described by {@code t}; a missing field is written empty. */
  static Map<String, String> template(TemplateSidecar t) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(TEMPLATE_GROUP, nullToEmpty(t.group()));
    labels.put(TEMPLATE_VERSION, nullToEmpty(t.version()));
    labels.put(TEMPLATE_DATE, nullToEmpty(t.date()));
    labels.put(TEMPLATE_PREPARED, Boolean.TRUE.equals(t.prepared()) ? "true" : "");
    labels.put(TEMPLATE_SOURCE, nullToEmpty(t.source()));
    return labels;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
