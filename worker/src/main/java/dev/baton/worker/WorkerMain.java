package dev.baton.worker;

import dev.baton.common.BatonVersion;
import dev.baton.common.config.LogFormat;
import dev.baton.common.config.Redaction;
import dev.baton.common.config.SettingsReader;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar baton-worker.jar}: the built-in handlers, configured by BATON_* environment
 * variables ({@link WorkerSettings}). A bad setting exits 2 with one line saying why, like a
 * coordinator; a BATON_* variable nothing reads is logged at WARN and ignored.
 */
public final class WorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {
    }

    public static void main(String[] args) {
        WorkerSettings settings;
        try {
            settings = WorkerSettings.load(System.getenv(), Map.of());
            // read by the logging configuration, which cannot refuse it (LogFormatEncoder)
            LogFormat.read(SettingsReader.fromEnvironment(System.getenv(), Map.of()));
        } catch (IllegalArgumentException e) {
            System.err.println("Baton worker did not start: " + e.getMessage());
            System.exit(2);
            return;
        }
        WorkerSettings.unknownNames(System.getenv())
                .forEach(name -> LOG.warn("{} is not a Baton setting and is ignored", name));
        LOG.info("Baton worker {} starting: coordinators {}, queues {}, concurrency {}", BatonVersion.get(),
                settings.coordinators().stream().map(u -> Redaction.url(u.toString())).toList(), settings.queues(),
                settings.concurrency());
        Worker worker = BuiltInHandlers.register(settings.builder()).build().start();
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            main.interrupt();
        }, "worker-drain"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            // the drain hook finished: a normal exit after SIGTERM
        }
    }
}
