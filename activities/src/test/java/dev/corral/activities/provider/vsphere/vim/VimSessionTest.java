package dev.corral.activities.provider.vsphere.vim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.VcSim;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** The vim25 session against govmomi's vCenter simulator on loopback. */
class VimSessionTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static VimSession session(VcSim sim) {
    return new VimSession(
        new SoapTransport(sim.sdk(), SoapTransport.trusting(sim.caFile()), TIMEOUT),
        sim.user(),
        sim.password());
  }

  @Test
  void objectsAreFoundByInventoryPath_andTheirPropertiesRead() throws IOException {
    try (VcSim sim = VcSim.start();
        VimSession s = session(sim)) {
      ManagedObject vm = s.findByInventoryPath("DC0/vm/DC0_H0_VM0").orElseThrow();
      Map<String, Element> props =
          s.properties(vm, "name", "runtime.powerState", "guest.ipAddress");

      assertEquals("VirtualMachine", vm.type());
      assertEquals("DC0_H0_VM0", props.get("name").getTextContent());
      assertEquals("poweredOn", props.get("runtime.powerState").getTextContent());
      assertEquals(Optional.empty(), s.findByInventoryPath("DC0/vm/no-such-vm"));
    }
  }

  @Test
  void anExpiredSession_isLoggedInAgain_withoutFailingTheCall() throws Exception {
    try (VcSim sim = VcSim.start("-idle", "1s");
        VimSession s = session(sim)) {
      s.login();
      Thread.sleep(2500);
      assertTrue(s.findByInventoryPath("DC0/vm/DC0_H0_VM0").isPresent(), "a call after expiry");
      assertEquals(2, s.logins());

      Thread.sleep(2500);
      ManagedObject vm = s.findByInventoryPath("DC0/vm/DC0_H0_VM0").orElseThrow();
      Thread.sleep(2500);
      assertEquals(
          "DC0_H0_VM0",
          s.properties(vm, "name").get("name").getTextContent(),
          "a property read after expiry, which vCenter answers without a fault");
      assertEquals(4, s.logins());
    }
  }

  @Test
  void aWrongPassword_isAnInvalidLoginFault() {
    try (VcSim sim = VcSim.start()) {
      VimSession s =
          new VimSession(
              new SoapTransport(sim.sdk(), SoapTransport.trusting(sim.caFile()), TIMEOUT),
              sim.user(),
              "wrong");
      VimFault f = assertThrows(VimFault.class, s::login);
      assertEquals(VimFault.INVALID_LOGIN, f.type(), f.getMessage());
    }
  }

  @Test
  void aCertificateNoTrustedCaSigned_isRefused() {
    try (VcSim sim = VcSim.start()) {
      VimSession s =
          new VimSession(
              new SoapTransport(sim.sdk(), SoapTransport.trusting(null), TIMEOUT),
              sim.user(),
              sim.password());
      assertThrows(SSLHandshakeException.class, s::login);
    }
  }

  @Test
  void tasksEndInTheirResult_orAFaultOfTheirErrorsType() throws IOException {
    try (VcSim sim = VcSim.start();
        VimSession s = session(sim)) {
      ManagedObject vm = s.findByInventoryPath("DC0/vm/DC0_H0_VM0").orElseThrow();

      ManagedObject on = taskOf(s.invoke("PowerOnVM_Task", vm, ""));
      VimFault f = assertThrows(VimFault.class, () -> s.awaitTask(on, TIMEOUT));
      assertEquals("InvalidPowerState", f.type(), f.getMessage());

      s.awaitTask(taskOf(s.invoke("PowerOffVM_Task", vm, "")), TIMEOUT);
      assertEquals(
          "poweredOff",
          s.properties(vm, "runtime.powerState").get("runtime.powerState").getTextContent());
    }
  }

  private static ManagedObject taskOf(Element response) {
    return VimXml.child(response, "returnval").map(VimXml::reference).orElseThrow();
  }
}
