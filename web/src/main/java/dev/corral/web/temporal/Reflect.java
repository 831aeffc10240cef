package dev.corral.web.temporal;

import java.lang.reflect.Field;

/** Reads the test server's private fields for its housekeeping; nothing else in Corral reaches inside it. */
final class Reflect {
  private Reflect() {}

  /** The value of {@code owner}'s field {@code name}, declared by its class or a superclass. */
  static Object field(Object owner, String name) throws ReflectiveOperationException {
    return declaredField(owner.getClass(), name).get(owner);
  }

  static Field declaredField(Class<?> owner, String name) throws NoSuchFieldException {
    for (Class<?> type = owner; type != null; type = type.getSuperclass()) {
      try {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
      } catch (NoSuchFieldException e) {
        // Declared higher up.
      }
    }
    throw new NoSuchFieldException(owner.getName() + "." + name);
  }
}
