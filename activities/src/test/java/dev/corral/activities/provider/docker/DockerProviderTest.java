package dev.corral.activities.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.testing.PodmanService;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the kit does not check of the docker provider, against real Podman: scopes on a shared
 * daemon, the pool's limits and the publish address as the daemon shows them, what a commit keeps
 * and drops, and a daemon that restarts under a provider.
 */
class DockerProviderTest {
  private static final Duration BOOT = Duration.ofSeconds(30);

  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final String template = "corral-pt-" + id;
  private final List<DockerProvider> providers = new ArrayList<>();
  private final List<String> images = new ArrayList<>(List.of(template));
  private final List<PodmanService> ownServices = new ArrayList<>();

  private DockerProvider provider(String name, DockerSettings settings) {
    DockerProvider p = DockerProvider.create(new ProviderConfig(name, "docker", 4, 2, settings));
    providers.add(p);
    return p;
  }

  private DockerProvider provider(String name, String host) {
    PodmanService.tagGuest(template);
    return provider(name, DockerSettings.of(host).withScope(name + "-" + id));
  }

  @AfterEach
  void removeEverything() {
    // A test that failed while its own service was stopped: its containers still need removing.
    ownServices.forEach(PodmanService::ensureRunning);
    for (DockerProvider p : providers) {
      p.inventory().forEach(vm -> p.destroy(vm.name()));
      p.close();
    }
    // After the providers removed their containers: a stopped service removes none.
    ownServices.forEach(PodmanService::close);
    images.forEach(image -> PodmanService.podmanSucceeds("rmi", "-f", image));
  }

  @Test
  void twoProvidersOnOneDaemon_seeOnlyTheirOwnContainers_andLeaveTheOthersAlone() {
    String host = PodmanService.shared().host();
    DockerProvider a = provider("a", host);
    DockerProvider b = provider("b", host);

    a.cloneVm("corral-a-" + id, template);
    b.cloneVm("corral-b-" + id, template);

    assertEquals(List.of("corral-a-" + id), names(a.inventory()));
    assertEquals(List.of("corral-b-" + id), names(b.inventory()));
    assertEquals(Optional.empty(), a.get("corral-b-" + id));
    b.destroy("corral-a-" + id);
    assertTrue(a.get("corral-a-" + id).isPresent(), "b destroys nothing of a's scope");
    ProviderException e =
        assertThrows(ProviderException.class, () -> b.cloneVm("corral-a-" + id, template));
    assertEquals(ErrorTypes.CLONE_FAILED, e.errorType());
    assertTrue(e.getMessage().contains("is not Corral's (scope b-" + id + ")"), e.getMessage());
    assertEquals(
        "a-" + id,
        PodmanService.podman(
                "inspect",
                "corral-a-" + id,
                "--format",
                "{{index .Config.Labels \"dev.corral.scope\"}}")
            .strip());
  }

  @Test
  void aPoolsMemoryAndCpus_areTheContainersLimits_andTheProvidersDefaultsOtherwise() {
    DockerProvider p = provider("limits", PodmanService.shared().host());

    p.cloneVm("corral-big-" + id, template, new VmShape(96, 2, "pool-x"));
    p.cloneVm("corral-dflt-" + id, template);

    assertEquals(
        (96L * 1024 * 1024) + " 2000000000 pool-x",
        inspect(
            "corral-big-" + id,
            "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{index .Config.Labels \"dev.corral.vm.pool\"}}"));
    assertEquals(
        (256L * 1024 * 1024) + " 1000000000",
        inspect("corral-dflt-" + id, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"));
  }

  @Test
  void guestPorts_arePublishedOnThePublishAddress_andReadinessNamesThem() throws Exception {
    PodmanService.tagGuest(template);
    DockerProvider p =
        provider(
            "publish",
            DockerSettings.of(PodmanService.shared().host())
                .withScope("publish-" + id)
                .withPublishAddress("127.0.0.2", "127.0.0.2"));
    String vm = "corral-pub-" + id;

    p.cloneVm(vm, template);
    Readiness ready = awaitReady(p, vm);

    assertEquals("127.0.0.2", ready.ip());
    int port = ready.ports().get(GuestContract.AGENT_PORT);
    assertEquals(
        "127.0.0.2:" + port,
        inspect(
            vm,
            "{{range (index .NetworkSettings.Ports \"80/tcp\")}}{{.HostIP}}:{{.HostPort}}{{end}}"),
        "the daemon's own view");
    assertEquals(vm, new GuestAgent("127.0.0.2", port, BOOT).info().get("instance"));
    assertEquals(Map.of(GuestContract.AGENT_PORT, port), p.get(vm).orElseThrow().ports());
  }

  @Test
  void finish_makesAnImageWithTheTemplateLabels_thatShowsTheConfiguration_andNoContainerLabels()
      throws Exception {
    DockerProvider p = provider("chain", PodmanService.shared().host());
    String build = "corral-build-" + id;
    String prepared = template + "-prep-1";
    images.add(prepared);

    p.deploy(build, template);
    p.configure(build, Map.of("motd", "made by the chain"));
    p.seal(build);
    p.powerOff(build, Duration.ofSeconds(10));
    ProviderTemplate made = p.createTemplate(build, prepared);

    assertEquals(
        new ProviderTemplate(prepared, null, PodmanService.GUEST_VERSION, made.date(), true), made);
    assertEquals(
        "1.2.3 true " + template + " [] []",
        PodmanService.podman(
                "image",
                "inspect",
                prepared,
                "--format",
                "{{index .Config.Labels \"dev.corral.template.version\"}}"
                    + " {{index .Config.Labels \"dev.corral.template.prepared\"}}"
                    + " {{index .Config.Labels \"dev.corral.template.source\"}}"
                    + " [{{index .Config.Labels \"dev.corral.scope\"}}]"
                    + " [{{index .Config.Labels \"dev.corral.vm.template\"}}]")
            .strip(),
        "a container run from the image by hand is nobody's VM");
    String vm = "corral-clone-" + id;
    p.cloneVm(vm, prepared);
    Readiness ready = awaitReady(p, vm);
    Map<String, String> info =
        new GuestAgent(ready.ip(), ready.ports().get(GuestContract.AGENT_PORT), BOOT).info();
    assertEquals("made by the chain", info.get("config.motd"));
    assertEquals(vm, info.get("instance"), "a clone of a prepared image is itself");
  }

  @Test
  void aDaemonThatRestarts_failsCallsForAPassingReasonMeanwhile_andIsUsedAgainAfterwards() {
    PodmanService own = PodmanService.start();
    ownServices.add(own);
    DockerProvider p = provider("restart", own.host());
    String before = "corral-rs1-" + id;
    p.cloneVm(before, template);
    awaitReady(p, before);

    own.stop();
    ProviderException down = assertThrows(ProviderException.class, p::inventory);
    assertFalse(down.permanent(), down.getMessage());
    assertTrue(down.getMessage().contains(own.host()), down.getMessage());
    assertTrue(down.getMessage().contains("unreachable"), down.getMessage());
    own.startService();

    assertEquals(List.of(before), names(p.inventory()), "the same provider, a new connection");
    String after = "corral-rs2-" + id;
    p.cloneVm(after, template);
    awaitReady(p, after);
    assertEquals(List.of(before, after), names(p.inventory()).stream().sorted().toList());
  }

  private static String inspect(String container, String format) {
    return PodmanService.podman("inspect", container, "--format", format).strip();
  }

  private static Readiness awaitReady(DockerProvider p, String vm) {
    long deadline = System.nanoTime() + BOOT.toNanos();
    while (true) {
      Readiness r = p.checkReady(vm);
      if (r.state() == Readiness.State.READY) {
        return r;
      }
      assertTrue(r.state() != Readiness.State.FAILED, vm + ": " + r.reason());
      assertTrue(System.nanoTime() < deadline, vm + " not ready within " + BOOT);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static List<String> names(List<ProviderVm> vms) {
    return vms.stream().map(ProviderVm::name).toList();
  }
}
