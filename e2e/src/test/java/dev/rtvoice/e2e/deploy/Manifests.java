package dev.rtvoice.e2e.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The objects of a rendered kustomization, read as plain maps and lists (as the API server would parse them). */
final class Manifests {
  final List<Map<String, Object>> objects;

  private Manifests(List<Map<String, Object>> objects) {
    this.objects = objects;
  }

  /** {@code kubectl kustomize dir}, parsed. */
  static Manifests render(Path root, Path kustomization) {
    Commands.Result result = Commands.run(root, "kubectl", "kustomize", kustomization.toString());
    if (!result.ok()) {
      throw new AssertionError("kubectl kustomize " + kustomization + " failed:\n" + result.output());
    }
    return parse(result.output());
  }

  @SuppressWarnings("unchecked")
  static Manifests parse(String yaml) {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      if (doc != null) {
        objects.add((Map<String, Object>) doc);
      }
    }
    return new Manifests(objects);
  }

  List<Map<String, Object>> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  Optional<Map<String, Object>> find(String kind, String name) {
    return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
  }

  static String name(Map<String, Object> object) {
    return (String) map(object, "metadata").get("name");
  }

  // ---- untyped access, null-safe: a missing field reads as empty ----

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object parent, String... path) {
    Object node = parent;
    for (String key : path) {
      if (!(node instanceof Map<?, ?> m)) {
        return Map.of();
      }
      node = m.get(key);
    }
    return node instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object parent, String... path) {
    Object node = parent;
    for (int i = 0; i < path.length - 1; i++) {
      node = map(node, path[i]);
    }
    Object value = map(node).get(path[path.length - 1]);
    return value instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
  }

  static Map<String, Object> map(Object node) {
    return map(node, new String[0]);
  }
}
