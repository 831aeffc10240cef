package dev.corral.activities.provider.guest;

import dev.corral.config.SettingsMapping;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a hypervisor gives a guest of the contract (tools/guest), the same for every provider that
 * boots one: its kernel command line for direct kernel boot, the fw_cfg entry it reads its instance
 * id from, and the guest ports a lease reply names, the agent's among them.
 */
public final class GuestContract {
  /**
   * Quiet boot on the serial console; panic=1 with no reboot makes a panicking guest end its VM.
   */
  public static final String KERNEL_ARGS = "console=ttyS0 quiet loglevel=1 panic=1";

  /** The fw_cfg entry the guest reads its instance id from (and echoes in its READY marker). */
  public static final String INSTANCE_ID_FW_CFG = "opt/corral/instance-id";

  /** The guest agent's port: the one every Corral guest serves. */
  public static final String AGENT_PORT = "agent";

  public static final Map<String, Integer> DEFAULT_PORTS = Map.of(AGENT_PORT, 80);

  // Port names are the keys of a lease reply's ports, like provider names (file names, metrics
  // labels).
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private GuestContract() {}

  /**
   * A provider's {@code ports} key, {@code {name: guest port}}, in the order written; the agent's
   * port is always among them, since readiness and the template steps go through it.
   */
  public static Map<String, Integer> bindPorts(SettingsMapping m) {
    if (!m.present("ports")) {
      return DEFAULT_PORTS;
    }
    Map<String, Integer> ports = m.bind("ports", GuestContract::portNumbers);
    if (!ports.containsKey(AGENT_PORT)) {
      m.problem(
          "ports",
          "must name the guest agent's port as 'agent' (Corral checks readiness and runs template steps through it)");
    }
    return ports;
  }

  private static Map<String, Integer> portNumbers(SettingsMapping section) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!PORT_NAME.matcher(name).matches()) {
        section.problem(name, "port name must be 1-32 lowercase letters, digits, '_' or '-'");
      }
      ports.put(name, section.integer(name, 0, 1, 65535));
    }
    return ports;
  }
}
