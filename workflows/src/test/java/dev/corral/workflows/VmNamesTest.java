package dev.corral.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VmNamesTest {
  @Test
  void sameUuid_givesSameName_soReplayedWorkflowsReserveTheSameVms() {
    UUID uuid = UUID.fromString("3f2b8c1e-9a4d-4e2f-8b1a-0c9d7e6f5a4b");
    assertEquals(VmNames.fromUuid(uuid), VmNames.fromUuid(uuid));
  }

  @Test
  void names_areDnsSafe_prefixed_andDoNotCollideInPractice() {
    Random random = new Random(42);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      String name = VmNames.fromUuid(new UUID(random.nextLong(), random.nextLong()));
      assertTrue(name.matches("corral-[a-z2-7]{10}"), name);
      assertTrue(VmNames.isCorralName(name));
      names.add(name);
    }
    assertEquals(100_000, names.size(), "50 random bits per name: no collision among 100,000");
  }
}
