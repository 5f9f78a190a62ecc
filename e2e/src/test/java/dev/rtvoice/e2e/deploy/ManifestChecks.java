package dev.rtvoice.e2e.deploy;

import static dev.rtvoice.e2e.deploy.Manifests.list;
import static dev.rtvoice.e2e.deploy.Manifests.map;
import static dev.rtvoice.e2e.deploy.Manifests.name;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the API server or a kubelet would reject in rendered manifests, or what would leave a pod
 * never ready: selectors that match nothing, probes on ports that do not exist, missing resources,
 * references to Secrets, ConfigMaps, keys and volumes that are not there, a container that may run
 * as root, and, for the suite's services, probes, ports and scrape annotations that do not match
 * what the service really serves.
 */
final class ManifestChecks {
  private static final Pattern QUANTITY = Pattern.compile("([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?");

  private final Manifests manifests;
  /** The suite's services by Deployment name, with the port each really listens on. */
  private final Map<String, Integer> servicePorts;
  private final List<String> problems = new ArrayList<>();

  private ManifestChecks(Manifests manifests, Map<String, Integer> servicePorts) {
    this.manifests = manifests;
    this.servicePorts = servicePorts;
  }

  static List<String> problems(Manifests manifests, Map<String, Integer> servicePorts) {
    ManifestChecks checks = new ManifestChecks(manifests, servicePorts);
    checks.run();
    return checks.problems;
  }

  private void run() {
    Set<String> seen = new HashSet<>();
    for (Map<String, Object> o : manifests.objects) {
      if (!seen.add(o.get("kind") + "/" + name(o))) {
        problem(o.get("kind") + "/" + name(o) + " is defined twice");
      }
    }
    for (String service : servicePorts.keySet()) {
      if (manifests.find("Deployment", service).isEmpty()) {
        problem("no Deployment for " + service);
      }
      if (manifests.find("Service", service).isEmpty()) {
        problem("no Service for " + service);
      }
      boolean budgeted = manifests.ofKind("PodDisruptionBudget").stream()
          .anyMatch(p -> selects(map(p, "spec", "selector", "matchLabels"), podLabels(workload(service))));
      if (!budgeted) {
        problem("no PodDisruptionBudget selects the pods of " + service);
      }
    }
    for (Map<String, Object> w : workloads()) {
      checkWorkload(w);
    }
    for (Map<String, Object> s : manifests.ofKind("Service")) {
      checkService(s);
    }
    for (Map<String, Object> p : manifests.ofKind("PodDisruptionBudget")) {
      checkBudget(p);
    }
  }

  private List<Map<String, Object>> workloads() {
    List<Map<String, Object>> all = new ArrayList<>(manifests.ofKind("Deployment"));
    all.addAll(manifests.ofKind("StatefulSet"));
    return all;
  }

  private Map<String, Object> workload(String name) {
    return workloads().stream().filter(w -> name.equals(name(w))).findFirst().orElse(Map.of());
  }

  private static Map<String, Object> podLabels(Map<String, Object> workload) {
    return map(workload, "spec", "template", "metadata", "labels");
  }

  private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
    return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }

  private void checkWorkload(Map<String, Object> w) {
    String who = w.get("kind") + "/" + name(w);
    Map<String, Object> pod = map(w, "spec", "template", "spec");
    if (!selects(map(w, "spec", "selector", "matchLabels"), podLabels(w))) {
      problem(who + ": spec.selector does not match the pod template's labels");
    }
    Map<String, Object> podSecurity = map(pod, "securityContext");
    Set<String> volumes = new HashSet<>();
    for (Map<String, Object> v : list(pod, "volumes")) {
      volumes.add((String) v.get("name"));
      checkVolume(who, v);
    }
    // a StatefulSet's claims are volumes of its pods too
    list(w, "spec", "volumeClaimTemplates").forEach(t -> volumes.add(name(t)));
    List<Map<String, Object>> containers = list(pod, "containers");
    if (containers.isEmpty()) {
      problem(who + ": no containers");
    }
    for (Map<String, Object> c : containers) {
      String where = who + " container " + c.get("name");
      Map<String, Object> security = map(c, "securityContext");
      if (!Boolean.TRUE.equals(first(security.get("runAsNonRoot"), podSecurity.get("runAsNonRoot")))) {
        problem(where + ": runAsNonRoot is not true");
      }
      Object uid = first(security.get("runAsUser"), podSecurity.get("runAsUser"));
      if (!(uid instanceof Integer u) || u == 0) {
        problem(where + ": runAsUser must be a non-zero uid (the kubelet cannot verify runAsNonRoot otherwise)");
      }
      if (Boolean.TRUE.equals(security.get("privileged")) || Boolean.TRUE.equals(security.get("allowPrivilegeEscalation"))) {
        problem(where + ": privileged or allows privilege escalation");
      }
      checkResources(where, map(c, "resources"));
      Map<String, Integer> ports = new java.util.HashMap<>();
      for (Map<String, Object> p : list(c, "ports")) {
        Integer port = (Integer) p.get("containerPort");
        ports.put(p.get("name") == null ? String.valueOf(port) : (String) p.get("name"), port);
      }
      for (String probe : List.of("readinessProbe", "livenessProbe")) {
        Map<String, Object> spec = map(c, probe);
        if (spec.isEmpty()) {
          problem(where + ": no " + probe);
          continue;
        }
        Object port = first(map(spec, "httpGet").get("port"), map(spec, "tcpSocket").get("port"));
        if (resolve(port, ports) == null) {
          problem(where + ": " + probe + " port " + port + " is not a port of the container");
        }
      }
      Set<String> mountPaths = new HashSet<>();
      for (Map<String, Object> m : list(c, "volumeMounts")) {
        if (!volumes.contains((String) m.get("name"))) {
          problem(where + ": volumeMount " + m.get("name") + " names no volume of the pod");
        }
        mountPaths.add((String) m.get("mountPath"));
      }
      checkEnv(where, c, pod, mountPaths);
      Integer expected = servicePorts.get(name(w));
      if (expected != null) {
        checkSuiteService(where, w, c, ports, expected);
      }
    }
  }

  private void checkSuiteService(String where, Map<String, Object> w, Map<String, Object> c,
                                 Map<String, Integer> ports, int expected) {
    if (!ports.containsValue(expected)) {
      problem(where + ": containerPort " + ports.values() + " is not the port the service listens on (" + expected + ")");
    }
    for (var probe : Map.of("readinessProbe", "/health/ready", "livenessProbe", "/health/live").entrySet()) {
      Map<String, Object> get = map(c, probe.getKey(), "httpGet");
      if (!probe.getValue().equals(get.get("path"))) {
        problem(where + ": " + probe.getKey() + " must GET " + probe.getValue() + ", has " + get.get("path"));
      }
      if (!Objects.equals(resolve(get.get("port"), ports), expected)) {
        problem(where + ": " + probe.getKey() + " is not on port " + expected);
      }
    }
    Map<String, Object> annotations = map(w, "spec", "template", "metadata", "annotations");
    if (!"true".equals(annotations.get("prometheus.io/scrape"))
        || !String.valueOf(expected).equals(annotations.get("prometheus.io/port"))
        || !"/metrics".equals(annotations.get("prometheus.io/path"))) {
      problem(where + ": Prometheus annotations must be scrape=true, port=" + expected + ", path=/metrics; are "
          + annotations);
    }
  }

  private void checkResources(String where, Map<String, Object> resources) {
    for (String kind : List.of("cpu", "memory")) {
      Object request = map(resources, "requests").get(kind);
      Object limit = map(resources, "limits").get(kind);
      if (request == null || limit == null) {
        problem(where + ": " + kind + " request and limit are both required (request " + request + ", limit " + limit + ")");
        continue;
      }
      BigDecimal r = quantity(where, request);
      BigDecimal l = quantity(where, limit);
      if (r != null && l != null && r.compareTo(l) > 0) {
        problem(where + ": " + kind + " request " + request + " is over its limit " + limit);
      }
    }
  }

  private void checkVolume(String who, Map<String, Object> v) {
    Map<String, Object> secret = map(v, "secret");
    if (!secret.isEmpty() && !Boolean.TRUE.equals(secret.get("optional"))) {
      requireKeys(who + " volume " + v.get("name"), "Secret", (String) secret.get("secretName"), keysOf(secret));
    }
    Map<String, Object> configMap = map(v, "configMap");
    if (!configMap.isEmpty() && !Boolean.TRUE.equals(configMap.get("optional"))) {
      requireKeys(who + " volume " + v.get("name"), "ConfigMap", (String) configMap.get("name"), keysOf(configMap));
    }
  }

  private static List<String> keysOf(Map<String, Object> source) {
    return list(source, "items").stream().map(i -> (String) i.get("key")).toList();
  }

  private void checkEnv(String where, Map<String, Object> c, Map<String, Object> pod, Set<String> mountPaths) {
    for (Map<String, Object> from : list(c, "envFrom")) {
      for (String kind : List.of("configMapRef", "secretRef")) {
        Map<String, Object> ref = map(from, kind);
        if (!ref.isEmpty() && !Boolean.TRUE.equals(ref.get("optional"))) {
          requireKeys(where + " envFrom", kind.equals("configMapRef") ? "ConfigMap" : "Secret",
              (String) ref.get("name"), List.of());
        }
      }
    }
    Set<String> names = new HashSet<>();
    for (Map<String, Object> e : list(c, "env")) {
      String name = (String) e.get("name");
      if (!names.add(name)) {
        problem(where + ": env " + name + " is set twice");
      }
      for (String kind : List.of("secretKeyRef", "configMapKeyRef")) {
        Map<String, Object> ref = map(e, "valueFrom", kind);
        if (!ref.isEmpty() && !Boolean.TRUE.equals(ref.get("optional"))) {
          requireKeys(where + " env " + name, kind.equals("secretKeyRef") ? "Secret" : "ConfigMap",
              (String) ref.get("name"), List.of((String) ref.get("key")));
        }
      }
      if (name.endsWith("_FILE") && e.get("value") instanceof String path) {
        checkFileVariable(where, name, path, c, pod, mountPaths);
      }
    }
  }

  /** A {@code NAME_FILE} must point into a mounted Secret volume that holds that file. */
  private void checkFileVariable(String where, String name, String path, Map<String, Object> c,
                                 Map<String, Object> pod, Set<String> mountPaths) {
    Map<String, Object> mount = list(c, "volumeMounts").stream()
        .filter(m -> path.startsWith(m.get("mountPath") + "/")).findFirst().orElse(null);
    if (mount == null) {
      problem(where + ": " + name + "=" + path + " is under no volumeMount (" + mountPaths + ")");
      return;
    }
    String file = path.substring(((String) mount.get("mountPath")).length() + 1);
    Map<String, Object> volume = list(pod, "volumes").stream().filter(v -> mount.get("name").equals(v.get("name")))
        .findFirst().orElse(Map.of());
    Map<String, Object> secret = map(volume, "secret");
    if (secret.isEmpty()) {
      problem(where + ": " + name + " reads " + path + ", which is not from a Secret");
    } else if (!Boolean.TRUE.equals(secret.get("optional"))) {
      requireKeys(where + " " + name, "Secret", (String) secret.get("secretName"), List.of(file));
    }
  }

  private void requireKeys(String where, String kind, String name, List<String> keys) {
    var object = manifests.find(kind, name);
    if (object.isEmpty()) {
      problem(where + ": " + kind + " " + name + " does not exist");
      return;
    }
    Set<String> present = new HashSet<>(map(object.get(), "data").keySet());
    present.addAll(map(object.get(), "stringData").keySet());
    for (String key : keys) {
      if (!present.contains(key)) {
        problem(where + ": " + kind + " " + name + " has no key " + key);
      }
    }
  }

  private void checkService(Map<String, Object> s) {
    String who = "Service/" + name(s);
    Map<String, Object> selector = map(s, "spec", "selector");
    List<Map<String, Object>> targets = workloads().stream().filter(w -> selects(selector, podLabels(w))).toList();
    if (targets.isEmpty()) {
      problem(who + ": its selector " + selector + " matches no pods");
      return;
    }
    for (Map<String, Object> port : list(s, "spec", "ports")) {
      Object target = port.get("targetPort") == null ? port.get("port") : port.get("targetPort");
      for (Map<String, Object> w : targets) {
        boolean found = list(w, "spec", "template", "spec", "containers").stream()
            .flatMap(c -> list(c, "ports").stream())
            .anyMatch(p -> target.equals(p.get("name")) || target.equals(p.get("containerPort")));
        if (!found) {
          problem(who + ": targetPort " + target + " is no port of " + name(w));
        }
      }
    }
  }

  private void checkBudget(Map<String, Object> p) {
    String who = "PodDisruptionBudget/" + name(p);
    Map<String, Object> spec = map(p, "spec");
    List<Map<String, Object>> targets = workloads().stream()
        .filter(w -> selects(map(spec, "selector", "matchLabels"), podLabels(w))).toList();
    if (targets.isEmpty()) {
      problem(who + ": selects no pods");
    }
    if (spec.get("minAvailable") == null && spec.get("maxUnavailable") == null) {
      problem(who + ": sets neither minAvailable nor maxUnavailable");
    }
    for (Map<String, Object> w : targets) {
      Object replicas = map(w, "spec").getOrDefault("replicas", 1);
      if (spec.get("minAvailable") instanceof Integer min && replicas instanceof Integer r && min >= r) {
        problem(who + ": minAvailable " + min + " with " + r + " replica(s) blocks every node drain");
      }
      if (Integer.valueOf(0).equals(spec.get("maxUnavailable"))) {
        problem(who + ": maxUnavailable 0 blocks every node drain");
      }
    }
  }

  private static Integer resolve(Object port, Map<String, Integer> ports) {
    if (port instanceof Integer number) {
      return ports.containsValue(number) ? number : null;
    }
    return ports.get(String.valueOf(port));
  }

  private BigDecimal quantity(String where, Object raw) {
    Matcher m = QUANTITY.matcher(String.valueOf(raw));
    if (!m.matches()) {
      problem(where + ": " + raw + " is not a quantity");
      return null;
    }
    BigDecimal value = new BigDecimal(m.group(1));
    String suffix = m.group(2) == null ? "" : m.group(2);
    long factor = switch (suffix) {
      case "k" -> 1_000L;
      case "M" -> 1_000_000L;
      case "G" -> 1_000_000_000L;
      case "T" -> 1_000_000_000_000L;
      case "Ki" -> 1L << 10;
      case "Mi" -> 1L << 20;
      case "Gi" -> 1L << 30;
      case "Ti" -> 1L << 40;
      default -> 1L;
    };
    return suffix.equals("m") ? value.movePointLeft(3) : value.multiply(BigDecimal.valueOf(factor));
  }

  private static Object first(Object a, Object b) {
    return a != null ? a : b;
  }

  private void problem(String text) {
    problems.add(text);
  }
}
