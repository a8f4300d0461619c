package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Tokens;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Logging in and out of the dashboard. A session id is 256 random bits, known only to the
 * browser's cookie; the database keeps its hash, the hash of the token it was opened with and its
 * CSRF token. Each request re-authenticates that token hash, so the session always has the token's
 * current standing: a revoked or expired token ends its sessions at their next request.
 */
@Singleton
@Requires(condition = DashboardOn.class)
public final class Sessions {
    /** The absolute limit: a session ends this long after its login, however busy. */
    static final Duration LENGTH = Duration.ofHours(8);
    /** A session unused for this long ends. */
    static final Duration IDLE = Duration.ofHours(1);
    /** What {@link Tokens#newSecret} makes: 43 URL-safe base64 characters. Anything else is no session of ours. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{43}");
    private final Db db;
    private final SessionStore store;
    private final Tokens tokens;

    public Sessions(Db db, SessionStore store, Tokens tokens) {
        this.db = db;
        this.store = store;
        this.tokens = tokens;
    }

    /** A new session and its id. */
    public record Opened(String id, UiSession session) {
    }

    /** Opens a session for {@code token}; 401 {@code unauthenticated} for an unknown, revoked or expired token. */
    public Opened login(String token) {
        if (token == null || token.isBlank()) {
            throw new BatonException(ErrorCode.UNAUTHENTICATED, "give a token");
        }
        Caller caller = tokens.authenticate(token.strip());
        String id = Tokens.newSecret();
        String csrf = Tokens.newSecret();
        db.tx(c -> {
            store.deleteEnded(c, IDLE);
            store.insert(c, Tokens.hash(id), Tokens.hash(token.strip()), csrf, LENGTH);
            return null;
        });
        return new Opened(id, new UiSession(caller, csrf));
    }

    /** The live session {@code id} names, or null: none, ended, or its token no longer valid (it is then deleted). */
    public UiSession find(String id) {
        return find(id, true);
    }

    /**
     * As {@link #find(String)}; {@code use} false for what a page does by itself (a live refresh):
     * the session is found but not kept alive by it, so an unattended page still ends it.
     */
    public UiSession find(String id, boolean use) {
        if (id == null || !ID.matcher(id).matches()) {
            return null;
        }
        byte[] idHash = Tokens.hash(id);
        SessionStore.Stored stored = db.run(c -> use ? store.touchIfLive(c, idHash, IDLE) : store.findIfLive(c, idHash, IDLE));
        if (stored == null) {
            return null;
        }
        try {
            return new UiSession(tokens.authenticateHash(stored.tokenHash()), stored.csrfToken());
        } catch (BatonException e) {
            if (e.code() != ErrorCode.UNAUTHENTICATED) {
                throw e;
            }
            db.run(c -> {
                store.delete(c, idHash);
                return null;
            });
            return null;
        }
    }

    /**
     * Whether session {@code id} is still live, for a stream that outlasts its request (the log
     * tail asks about once a second): looked up again at most every {@code recheck}, without
     * counting as use; while the database cannot answer, the last answer stands.
     */
    public BooleanSupplier stillLive(String id, Duration recheck) {
        AtomicLong checkedAt = new AtomicLong(System.nanoTime());
        AtomicBoolean live = new AtomicBoolean(true);
        return () -> {
            long now = System.nanoTime();
            if (live.get() && now - checkedAt.get() >= recheck.toNanos()) {
                checkedAt.set(now);
                try {
                    live.set(find(id, false) != null);
                } catch (BatonException e) {
                    // The database is away: the stream's own reads wait for it too.
                }
            }
            return live.get();
        };
    }

    public void logout(String id) {
        if (id != null && ID.matcher(id).matches()) {
            db.run(c -> {
                store.delete(c, Tokens.hash(id));
                return null;
            });
        }
    }
}
