package dev.corral.workflows;

import io.temporal.common.metadata.POJOWorkflowImplMetadata;
import io.temporal.common.metadata.POJOWorkflowInterfaceMetadata;
import io.temporal.common.metadata.POJOWorkflowMethodMetadata;
import io.temporal.workflow.WorkflowInterface;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Workflow type names as Temporal derives them (the SDK's own metadata, so a
 * {@code @WorkflowMethod(name)} is honoured), found by walking the compiled classes: a new workflow
 * interface is noticed without anyone listing it.
 */
final class WorkflowTypes {
  private WorkflowTypes() {}

  /** The type of every {@code @WorkflowInterface} in the package of {@code anchor} and below. */
  static Set<String> declaredIn(Class<?> anchor) throws IOException {
    // Through the class file itself: the package's name alone would find test-classes first, not
    // the main code.
    Path packageDir = classpathDirectory(anchor, anchor.getSimpleName() + ".class").getParent();
    String prefix = anchor.getPackageName() + ".";
    Set<String> types = new TreeSet<>();
    try (Stream<Path> files = Files.walk(packageDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String relative = packageDir.relativize(file).toString().replace('\\', '/');
        String name =
            prefix + relative.substring(0, relative.length() - ".class".length()).replace('/', '.');
        Class<?> type = load(name, anchor.getClassLoader());
        if (type.isInterface() && type.isAnnotationPresent(WorkflowInterface.class)) {
          POJOWorkflowInterfaceMetadata.newInstance(type)
              .getWorkflowMethod()
              .map(POJOWorkflowMethodMetadata::getName)
              .ifPresent(types::add);
        }
      }
    }
    return types;
  }

  /** The workflow types an implementation class registers as. */
  static Set<String> implementedBy(Class<?> implementation) {
    return POJOWorkflowImplMetadata.newInstance(implementation).getWorkflowMethods().stream()
        .map(POJOWorkflowMethodMetadata::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * A file or directory on the classpath relative to {@code anchor}'s package; Maven's are on the
   * file system.
   */
  static Path classpathDirectory(Class<?> anchor, String relative) {
    URL url = anchor.getResource(relative);
    if (url == null) {
      throw new IllegalStateException(
          "no " + relative + " next to " + anchor.getName() + " on the classpath");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException | FileSystemNotFoundException e) {
      throw new IllegalStateException(url + " is not on the file system", e);
    }
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      // Not initialised: only the annotations are read.
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(name, e);
    }
  }
}
