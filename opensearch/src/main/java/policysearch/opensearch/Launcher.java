package policysearch.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * Runs one OpenSearch node in this JVM from the jars on the classpath.
 *
 * <p>Usage: {@code java -cp 'lib/*:launcher.jar' policysearch.opensearch.Launcher -Epath.home=DIR
 * -Ekey=value ...}. Settings come only from {@code -E} arguments (the caller, opensearch/cluster.py,
 * owns the cluster's layout); {@code DIR/config} is created and gets our log4j2.properties.
 *
 * <p>The distribution's bootstrap finds modules and plugins as directories under {@code modules/};
 * from Maven artifacts they are plain jars on the classpath, which the node only loads when it is
 * handed their classes, hence {@link ClasspathNode}.
 */
public final class Launcher {

    /** Plugin classes the node must have: transport and HTTP. */
    private static final List<String> REQUIRED_PLUGINS = List.of("org.opensearch.transport.Netty4Plugin");

    /**
     * Modules a distribution ships that are loaded when their jar is on the classpath, so that
     * adding one to pom.xml is all it takes (analysis stays in Python, so none is needed today).
     */
    private static final List<String> OPTIONAL_PLUGINS = List.of(
            "org.opensearch.analysis.common.CommonAnalysisPlugin",
            "org.opensearch.painless.PainlessModulePlugin",
            "org.opensearch.index.mapper.MapperExtrasModulePlugin",
            "org.opensearch.index.reindex.ReindexModulePlugin");

    private Launcher() {}

    /** A node that is given its plugins as classes instead of finding them under modules/. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            // true: like a production node, refuse private index settings from users
            super(environment, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            if (!arg.startsWith("-E") || arg.indexOf('=') < 0) {
                System.err.println("launcher: expected -Ekey=value arguments, got: " + arg);
                System.exit(64);
            }
            int eq = arg.indexOf('=');
            builder.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String home = builder.get("path.home");
        if (home == null) {
            System.err.println("launcher: -Epath.home=DIR is required (the node's directory)");
            System.exit(64);
        }
        Path config = Path.of(home).toAbsolutePath().resolve("config");
        Files.createDirectories(config);
        try (InputStream log4j = Launcher.class.getResourceAsStream("/log4j2.properties")) {
            Files.copy(log4j, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        // opensearch.yml is optional for the node, but an empty one says where the settings are not
        Path yml = config.resolve("opensearch.yml");
        if (!Files.exists(yml)) {
            Files.writeString(yml, "# Settings come from opensearch/cluster.py as -E arguments.\n");
        }

        Settings settings = builder.build();
        String nodeName = settings.get("node.name", "node");
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> nodeName);
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configure(environment);
        Files.createDirectories(environment.modulesFile());
        Files.createDirectories(environment.pluginsFile());

        Node node = new ClasspathNode(environment, plugins());
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (make opensearch-stop) closes the node cleanly; kill -9 is what the fault tests use.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
                LoggerContext context = (LoggerContext) LogManager.getContext(false);
                context.stop();
            }
        }, "opensearch-shutdown"));
        node.start();
        // The node's own threads are daemons: this one keeps the JVM alive until the shutdown hook.
        Thread keepAlive = new Thread(() -> {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "opensearch-keepalive");
        keepAlive.setDaemon(false);
        keepAlive.start();
    }

    @SuppressWarnings("unchecked")
    private static List<Class<? extends Plugin>> plugins() throws ClassNotFoundException {
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (String name : REQUIRED_PLUGINS) {
            plugins.add((Class<? extends Plugin>) Class.forName(name));
        }
        for (String name : OPTIONAL_PLUGINS) {
            try {
                plugins.add((Class<? extends Plugin>) Class.forName(name));
            } catch (ClassNotFoundException absent) {
                // not in pom.xml: the node runs without it
            }
        }
        return plugins;
    }
}
