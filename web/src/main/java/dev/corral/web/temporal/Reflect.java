package dev.corral.web.temporal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Reads the test server's private fields for its housekeeping; nothing else in Corral reaches
 * inside it.
 */
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

  /**
   * Calls a private boolean method of the test server; {@code question} names it in the error if
   * that fails.
   */
  static boolean ask(Method method, Object target, String question) {
    try {
      return (boolean) method.invoke(target);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot ask the test server " + question, e);
    }
  }
}
