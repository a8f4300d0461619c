package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * A transaction PostgreSQL rolled back whole (deadlock 40P01, serialization failure 40001) wrote
 * nothing and may be sent again: 503 unavailable, as docs/protocol.md promises; a data
 * exception is the input's 400; anything else stays a bug.
 */
class DbTranslateTest {
    @Test
    void rolledBackTransactionsAreUnavailableAndDataExceptionsInvalid() {
        for (String state : new String[] {"40P01", "40001", "08006", "57P01", "53300"}) {
            RuntimeException e = Db.translate(new SQLException("x", state));
            assertThat(e).as(state).isInstanceOf(BatonException.class);
            assertThat(((BatonException) e).code()).as(state).isEqualTo(ErrorCode.UNAVAILABLE);
        }
        RuntimeException data = Db.translate(new SQLException("x", "22P02"));
        assertThat(((BatonException) data).code().status()).isEqualTo(400);
        assertThat(Db.translate(new SQLException("x", "42P01"))).isInstanceOf(IllegalStateException.class);
    }
}
