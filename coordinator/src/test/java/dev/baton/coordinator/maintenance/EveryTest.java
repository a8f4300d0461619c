package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.baton.coordinator.testing.Jobs;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The duties' timer: a failing streak logged once, a stop that lets the pass in flight end. Passes are awaited, not slept for. */
class EveryTest {
    private static final Duration SOON = Duration.ofMillis(5);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(Every.class);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void aFailingStreakIsLoggedOnceAndTheRecoveryOnce() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        Every every = Every.start("streak", SOON, SOON, () -> {
            int n = passes.incrementAndGet();
            if (n >= 2 && n <= 4) {
                throw new IllegalStateException("pass " + n + " fails");
            }
        });
        try {
            while (passes.get() < 6) {
                assertThat(every.awaitPass(Duration.ofSeconds(30))).isTrue();
            }
        } finally {
            every.stop();
        }
        assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage))
                .as("one WARN for the streak of three").containsExactly("streak: a pass failed, logged again when one succeeds");
        assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage))
                .containsExactly("streak: a pass succeeded again after 3 failed one(s)");
    }

    @Test
    void aPassThatThrowsAnErrorDoesNotEndTheTimer() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        Every every = Every.start("error", SOON, SOON, () -> {
            if (passes.incrementAndGet() == 1) {
                throw new NoClassDefFoundError("a class the pass needs");
            }
        });
        try {
            while (passes.get() < 3) {
                assertThat(every.awaitPass(Duration.ofSeconds(30))).as("a pass after the Error").isTrue();
            }
        } finally {
            every.stop();
        }
        assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage))
                .containsExactly("error: a pass failed, logged again when one succeeds");
    }

    @Test
    void aOneOffTaskThatThrowsIsLoggedAndTheTimerGoesOn() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        Every every = Every.start("one-off", SOON, SOON, passes::incrementAndGet);
        CountDownLatch ran = new CountDownLatch(1);
        try {
            every.once(Duration.ZERO, () -> {
                ran.countDown();
                throw new IllegalStateException("the wake-up failed");
            });
            assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(every.awaitPass(Duration.ofSeconds(30))).isTrue();
        } finally {
            every.stop();
        }
        assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage))
                .containsExactly("one-off: a one-off task failed");
    }

    @Test
    void aStopLetsThePassInFlightEndAndRunsNothingAfter() throws Exception {
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicInteger passes = new AtomicInteger();
        Every every = Every.start("held", SOON, SOON, () -> {
            passes.incrementAndGet();
            inPass.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        assertThat(inPass.await(30, TimeUnit.SECONDS)).isTrue();
        Thread stopping = Thread.ofPlatform().start(every::stop);
        assertThat(Jobs.eventually(30_000, () -> stopping.getState() == Thread.State.TIMED_WAITING))
                .as("the stop waits for the pass").isTrue();
        letGo.countDown();
        assertThat(stopping.join(Duration.ofSeconds(30))).isTrue();
        assertThat(interrupted).as("the pass in flight was not interrupted").isFalse();
        assertThat(passes).as("no pass after the stop").hasValue(1);
        every.once(Duration.ZERO, () -> { }); // dropped, not refused with an exception
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }
}
