package dev.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

public class ExampleConfigTest {

  public static String exampleText() throws IOException {
    try (InputStream in =
        ExampleConfigTest.class.getResourceAsStream("/dev/corral/config/corral-example.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void exampleFileWithTimesInSecondsIsTheSame() throws IOException {
    String inSeconds =
        exampleText()
            .replace("ready_ttl: 60m", "ready_ttl: 3600")
            .replace("boot_timeout: 15m", "boot_timeout: 900s")
            .replace("lifetime: 2h", "lifetime: 7200")
            .replace("max_lifetime: 48h", "max_lifetime: 2d");

    assertEquals(TestConfigs.load(exampleText()), TestConfigs.load(inSeconds));
  }
}
