package dev.baton.coordinator.db;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections and transactions, and the one place where a database that cannot be reached
 * becomes 503 {@code unavailable}. Every statement Baton runs goes through here.
 */
@Singleton
public final class Db {
    private static final Logger LOG = LoggerFactory.getLogger(Db.class);
    /** The connection of the {@link #enclosing} transaction this thread runs in, if any. */
    private final ThreadLocal<Connection> enclosingTx = new ThreadLocal<>();
    /** What {@link #afterCommit} deferred to the end of this thread's outermost transaction, if one is open. */
    private final ThreadLocal<List<Runnable>> onCommit = new ThreadLocal<>();
    /** The connection this thread's transactions take one after another, if {@link #onOneConnection} pinned one. */
    private final ThreadLocal<Connection> pinned = new ThreadLocal<>();
    private final DataSource dataSource;
    private final ConnectionHolders holders = new ConnectionHolders();

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction: committed if it returns, rolled back if it throws.
     * Inside {@link #enclosing}, a savepoint of the enclosing transaction instead.
     */
    public <T> T tx(Work<T> work) {
        Connection outer = enclosingTx.get();
        if (outer != null) {
            return savepoint(outer, work);
        }
        List<Runnable> outerPending = onCommit.get();
        List<Runnable> pending = new ArrayList<>();
        onCommit.set(pending);
        try (Borrowed b = borrow()) {
            Connection c = b.connection();
            c.setAutoCommit(false);
            T result;
            try {
                result = work.apply(c);
                commit(c);
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c);
                restoreAutoCommit(c, e);
                throw e;
            }
            restoreAutoCommit(c, null);
            onCommit.set(outerPending);
            runAll(pending);
            return result;
        } catch (SQLException e) {
            throw translate(e);
        } finally {
            onCommit.set(outerPending);
        }
    }

    /**
     * Runs {@code action} once what this thread wrote so far is committed: at once outside any
     * transaction (after a {@link #run} statement, which commits as it runs), else when this
     * thread's outermost {@link #tx} or {@link #enclosing} transaction commits, and never if it
     * rolls back (nor if the savepoint it was registered under does). This is how metrics count
     * only what committed: a refused or rolled-back request, or a route whose Idempotency-Key
     * answer failed to store, counts nothing. The action must be cheap (a counter); one that
     * throws is logged and never turns a committed request into an error.
     */
    public void afterCommit(Runnable action) {
        List<Runnable> pending = onCommit.get();
        if (pending != null) {
            pending.add(action);
        } else {
            runQuietly(action);
        }
    }

    private static void runAll(List<Runnable> actions) {
        for (Runnable action : actions) {
            runQuietly(action);
        }
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("an after-commit action failed; what committed stays committed", e);
        }
    }

    /** Whether this thread runs inside {@link #enclosing}: its {@link #tx} calls then commit together, at its end. */
    public boolean isEnclosing() {
        return enclosingTx.get() != null;
    }

    /**
     * Runs {@code work} in one transaction that every {@link #tx} and {@link #run} this thread
     * calls inside it joins, each as a savepoint: what they write commits or rolls back with
     * whatever {@code work} itself writes. This is how a route's effect and the answer stored
     * for its {@code Idempotency-Key} commit together without the services knowing of it.
     */
    public <T> T enclosing(Work<T> work) {
        if (enclosingTx.get() != null) {
            return tx(work);
        }
        return tx(c -> {
            enclosingTx.set(c);
            try {
                return work.apply(c);
            } finally {
                enclosingTx.remove();
            }
        });
    }

    /**
     * Runs {@code work} outside this thread's {@link #enclosing} transaction, if any: its
     * {@link #tx} and {@link #run} calls are transactions of their own, on other connections,
     * that commit (or roll back) whatever the enclosing one does later. The enclosing transaction
     * stays open, idle, meanwhile.
     */
    public <T> T apart(Supplier<T> work) {
        Connection outer = enclosingTx.get();
        List<Runnable> outerPending = onCommit.get();
        enclosingTx.remove();
        onCommit.remove();
        try {
            return work.get();
        } finally {
            if (outer != null) {
                enclosingTx.set(outer);
            }
            onCommit.set(outerPending);
        }
    }

    /**
     * Runs {@code work} with autocommit: each statement is its own transaction. Inside
     * {@link #enclosing}, a savepoint of the enclosing transaction instead.
     */
    public <T> T run(Work<T> work) {
        Connection outer = enclosingTx.get();
        if (outer != null) {
            return savepoint(outer, work);
        }
        // each statement commits as it runs: what registers after-commit actions here runs them at once
        List<Runnable> outerPending = onCommit.get();
        onCommit.remove();
        try (Borrowed b = borrow()) {
            return work.apply(b.connection());
        } catch (SQLException e) {
            // each statement commits as it runs: one cut off may have been written or not
            throw isConnectionFailure(e) ? outcomeUnknown(e) : translate(e);
        } finally {
            onCommit.set(outerPending);
        }
    }

    /**
     * Runs {@code work} with one pooled connection pinned to this thread: its {@link #tx} and
     * {@link #run} calls (outside an {@link #enclosing} transaction) each still commit on their
     * own, but one after another on this connection, taken from the pool once. For a request that
     * runs many short transactions (a bulk): under load it waits for the pool once, not once per
     * transaction. Inside another pin or an enclosing transaction, just runs {@code work}.
     */
    public <T> T onOneConnection(Supplier<T> work) {
        if (pinned.get() != null || enclosingTx.get() != null) {
            return work.get();
        }
        try (Borrowed b = new Borrowed(connect(), holders)) {
            pinned.set(b.connection());
            try {
                return work.get();
            } finally {
                pinned.remove();
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** The pinned connection (left open: {@code holders} null), or one from the pool (given back on close). */
    private record Borrowed(Connection connection, ConnectionHolders holders) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            if (holders != null) {
                holders.givenBack(connection);
                connection.close();
            }
        }
    }

    private Borrowed borrow() {
        Connection c = pinned.get();
        return c != null ? new Borrowed(c, null) : new Borrowed(connect(), holders);
    }

    /**
     * A pool that cannot hand out a connection means nothing of this request was written. When
     * none came free within the pool's wait, the log says who holds them ({@link ConnectionHolders}).
     */
    private Connection connect() {
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            if (e instanceof SQLTransientConnectionException && allHeld(e)) {
                holders.tellWhoHolds(e.getMessage());
            }
            throw translate(e);
        }
        holders.taken(c);
        return c;
    }

    /** Whether the pool timed out with all its connections held, not for want of the database (then the driver's failure is its cause). */
    private static boolean allHeld(SQLException poolTimeout) {
        return poolTimeout.getCause() == null;
    }

    private static void commit(Connection c) throws SQLException {
        try {
            c.commit();
        } catch (SQLException e) {
            if (isConnectionFailure(e)) {
                throw outcomeUnknown(e);
            }
            throw e;
        }
    }

    /**
     * The connection was lost while a write may have been committing: PostgreSQL may have
     * committed it and the answer never came back. The request is then neither known written nor
     * known not written; docs/protocol.md tells the client to resend with the same
     * Idempotency-Key, which makes that resend safe.
     */
    private static BatonException outcomeUnknown(SQLException e) {
        LOG.warn("database connection lost mid-request: {}", e.getMessage());
        return BatonException.databaseUnreachable("the connection to the database was lost during this "
                + "request: what it wrote may or may not have been committed; send it again (with the same "
                + "Idempotency-Key where the route takes one)");
    }

    /** A refusal inside it (a 409, a failed statement) undoes only its own writes, as its own transaction would. */
    private <T> T savepoint(Connection c, Work<T> work) {
        List<Runnable> pending = onCommit.get();
        int registeredBefore = pending == null ? 0 : pending.size();
        try {
            Savepoint savepoint = c.setSavepoint();
            T result;
            try {
                result = work.apply(c);
            } catch (SQLException | RuntimeException | Error e) {
                if (pending != null) {
                    pending.subList(registeredBefore, pending.size()).clear();
                }
                try {
                    c.rollback(savepoint);
                } catch (SQLException broken) {
                    e.addSuppressed(broken);
                }
                throw e;
            }
            c.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException e) {
            // On a connection the pool closed after an earlier failure, every call fails without an SQL state.
            throw isClosed(c) ? translate(new SQLException(e.getMessage(), "08003", e)) : translate(e);
        }
    }

    public boolean isUp() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    public static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    static RuntimeException translate(SQLException e) {
        if (isConnectionFailure(e)) {
            LOG.warn("database unavailable: {}", e.getMessage());
            return BatonException.databaseUnreachable("the database cannot be reached; nothing was written");
        }
        if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
            // A deadlock or serialization failure: PostgreSQL rolled this transaction back whole,
            // so nothing was written and the same request may simply be sent again.
            LOG.info("transaction rolled back by PostgreSQL ({}): {}", e.getSQLState(), e.getMessage());
            return new BatonException(ErrorCode.UNAVAILABLE, "a concurrent request conflicted with this one; "
                    + "nothing was written; send it again");
        }
        if (isGivenUp(e.getSQLState())) {
            // The statement (or the transaction left idle) was stopped before it finished: a lock_timeout or statement_timeout an
            // operator set on Baton's role, a cancel from pg_cancel_backend, or the server short of
            // memory or disk. The statement (and its transaction) changed nothing; later it may pass.
            LOG.warn("statement given up by PostgreSQL ({}): {}", e.getSQLState(), e.getMessage());
            return new BatonException(ErrorCode.UNAVAILABLE, "the database gave up on this request; "
                    + "nothing was written; send it again");
        }
        if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
            // A data exception (a value PostgreSQL cannot store or compare): the input's fault, and
            // the statement changed nothing. Validation should have caught it; this is the backstop.
            LOG.warn("data exception {} escaped validation: {}", e.getSQLState(), e.getMessage());
            return BatonException.invalid("body", "holds a value that cannot be stored");
        }
        return new IllegalStateException("SQL failed with state " + e.getSQLState(), e);
    }

    /**
     * 55P03 lock_not_available, 57014 query_canceled, 53xxx insufficient resources (but 53300, a
     * connection failure), 25P03 idle_in_transaction_session_timeout (the server ended a transaction
     * left idle, before any COMMIT of it could arrive; see JdbcBounds).
     */
    private static boolean isGivenUp(String state) {
        return "55P03".equals(state) || "57014".equals(state) || "25P03".equals(state)
                || (state != null && state.startsWith("53"));
    }

    private static boolean isConnectionFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                // 08: connection exceptions; 57P01-03: shutdown / cannot connect now; 53300: too many connections
                if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * On a connection that just broke this fails too ("Connection is closed", no SQL state). The
     * first failure is the one that says what happened (and makes a lost connection a 503), so
     * this one is only attached to it; after a commit it changes nothing written and is dropped.
     * The pool discards a broken connection and resets autocommit on the ones it keeps.
     */
    private static void restoreAutoCommit(Connection c, Throwable primary) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    private static boolean isClosed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }
}
