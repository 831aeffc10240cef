package dev.corral.activities.store.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code vm.ports} column: a VM's named TCP ports as a JSON object ({@code {"agent": 41234}}),
 * null when none.
 */
public final class VmPorts {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Integer>> TYPE =
      new TypeReference<>() {};

  private VmPorts() {}

  public static String encode(Map<String, Integer> ports) {
    if (ports == null || ports.isEmpty()) {
      return null;
    }
    try {
      return JSON.writeValueAsString(new java.util.TreeMap<>(ports));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Map<String, Integer> decode(String column) {
    if (column == null || column.isBlank()) {
      return Map.of();
    }
    try {
      return JSON.readValue(column, TYPE);
    } catch (JsonProcessingException e) {
      // The column is only ever written by encode; a hand edit must not break every read of the VM.
      return Map.of();
    }
  }
}
