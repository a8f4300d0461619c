package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * How the packages of the main sources may depend on each other, read from their import lines
 * (and any name spelled out in full): no cycle between the coordinator's packages; {@code db}
 * below the services, the HTTP layer, the schedule, maintenance and Redis; {@code service}
 * below HTTP and Redis; {@code common} below coordinator and worker, which know nothing of each
 * other.
 */
class PackageDependencyTest {
    private static final String COORDINATOR = "dev.baton.coordinator";
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern FULL_NAME = Pattern.compile("\\bdev\\.baton(?:\\.[a-z]\\w*)+\\.[A-Z]\\w*");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    /** One source file's use of another package: which file, which name. */
    record Use(String from, String to, String file, String name) {
        @Override
        public String toString() {
            return from + " -> " + to + " (" + file + ": " + name + ")";
        }
    }

    private static final List<Use> USES = read(Path.of("src/main/java"), Path.of("../common/src/main/java"),
            Path.of("../worker/src/main/java"));

    @Test
    void theReaderSeesTheImports() {
        assertThat(USES).as("service uses db").anyMatch(u -> u.from().equals(COORDINATOR + ".service")
                && u.to().equals(COORDINATOR + ".db"));
        assertThat(USES).as("the worker uses common").anyMatch(u -> u.from().startsWith("dev.baton.worker")
                && u.to().startsWith("dev.baton.common"));
    }

    @Test
    void noCycleBetweenTheCoordinatorsPackages() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Use u : USES) {
            if (u.from().startsWith(COORDINATOR) && u.to().startsWith(COORDINATOR) && !u.from().equals(u.to())) {
                graph.computeIfAbsent(u.from(), k -> new TreeSet<>()).add(u.to());
            }
        }
        assertThat(graph).as("the graph is read").isNotEmpty();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            List<String> back = pathBack(graph, start);
            if (back != null) {
                List<Use> why = new ArrayList<>();
                for (int i = 0; i + 1 < back.size(); i++) {
                    String a = back.get(i);
                    String b = back.get(i + 1);
                    USES.stream().filter(u -> u.from().equals(a) && u.to().equals(b)).findFirst().ifPresent(why::add);
                }
                cycles.add(String.join(" -> ", back) + "\n    " + why.stream().map(Use::toString)
                        .reduce((x, y) -> x + "\n    " + y).orElse(""));
            }
        }
        assertThat(cycles).as("cycles between packages").isEmpty();
    }

    @Test
    void dbDependsOnNoServiceHttpScheduleMaintenanceOrRedis() {
        assertThat(uses(COORDINATOR + ".db", "service", "http", "schedule", "maintenance", "redis")).isEmpty();
    }

    @Test
    void serviceDependsOnNoHttpOrRedis() {
        assertThat(uses(COORDINATOR + ".service", "http", "redis")).isEmpty();
    }

    @Test
    void commonDependsOnNothingOfTheCoordinatorOrTheWorker() {
        assertThat(USES.stream().filter(u -> u.from().startsWith("dev.baton.common")
                && (u.to().startsWith(COORDINATOR) || u.to().startsWith("dev.baton.worker")))).isEmpty();
    }

    @Test
    void theWorkerDependsOnNothingOfTheCoordinator() {
        assertThat(USES.stream().filter(u -> u.from().startsWith("dev.baton.worker") && u.to().startsWith(COORDINATOR)))
                .isEmpty();
    }

    /** The uses from package {@code from} of the coordinator's packages named. */
    private static List<Use> uses(String from, String... forbidden) {
        Set<String> banned = new TreeSet<>();
        for (String f : forbidden) {
            banned.add(COORDINATOR + "." + f);
        }
        return USES.stream().filter(u -> u.from().equals(from) && banned.contains(u.to())).toList();
    }

    /** A path from {@code start} back to itself, or null when there is none. */
    private static List<String> pathBack(Map<String, Set<String>> graph, String start) {
        Deque<List<String>> open = new ArrayDeque<>();
        Set<String> seen = new TreeSet<>();
        open.add(List.of(start));
        while (!open.isEmpty()) {
            List<String> path = open.poll();
            for (String next : graph.getOrDefault(path.getLast(), Set.of())) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(start)) {
                    return longer;
                }
                if (seen.add(next)) {
                    open.add(longer);
                }
            }
        }
        return null;
    }

    private static List<Use> read(Path... roots) {
        List<Use> out = new ArrayList<>();
        for (Path root : roots) {
            assertThat(root).as("main sources at " + root.toAbsolutePath()).isDirectory();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    String text = Files.readString(file);
                    Matcher pkg = PACKAGE.matcher(text);
                    assertThat(pkg.find()).as(file + " has a package line").isTrue();
                    String from = group(pkg.group(1));
                    String name = root.relativize(file).toString();
                    Set<String> names = new TreeSet<>();
                    Matcher imports = IMPORT.matcher(text);
                    while (imports.find()) {
                        names.add(imports.group(1));
                    }
                    Matcher full = FULL_NAME.matcher(PACKAGE.matcher(IMPORT.matcher(text).replaceAll("")).replaceAll(""));
                    while (full.find()) {
                        names.add(full.group());
                    }
                    for (String n : names) {
                        if (n.startsWith("dev.baton.")) {
                            out.add(new Use(from, group(packageOf(n)), name, n));
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The package of a class name: the segments before the first one that starts with a capital. */
    private static String packageOf(String name) {
        String[] parts = name.split("\\.");
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (!p.isEmpty() && Character.isUpperCase(p.charAt(0))) {
                break;
            }
            b.append(b.isEmpty() ? "" : ".").append(p);
        }
        return b.toString();
    }

    /** A coordinator package's subpackages count as the package ({@code db.x} is {@code db}). */
    private static String group(String pkg) {
        if (pkg.startsWith(COORDINATOR + ".")) {
            String rest = pkg.substring(COORDINATOR.length() + 1);
            int dot = rest.indexOf('.');
            return dot < 0 ? pkg : COORDINATOR + "." + rest.substring(0, dot);
        }
        return pkg;
    }
}
