package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.error.BatonException;
import org.junit.jupiter.api.Test;

class PayloadQueryTest {
    @Test
    void keyValueTermsBecomeOneObjectOfStrings() {
        assertThat(PayloadQuery.toContainment("customer:acme")).isEqualTo("{\"customer\":\"acme\"}");
        assertThat(PayloadQuery.toContainment(" customer.tier:gold  order:A-17 "))
                .isEqualTo("{\"customer\":{\"tier\":\"gold\"},\"order\":\"A-17\"}");
        assertThat(PayloadQuery.toContainment("a.b:1 a.c:2")).isEqualTo("{\"a\":{\"b\":\"1\",\"c\":\"2\"}}");
        assertThat(PayloadQuery.toContainment("url:https://x.example/a")).isEqualTo("{\"url\":\"https://x.example/a\"}");
    }

    @Test
    void aJsonObjectIsTakenAsItIs() {
        assertThat(PayloadQuery.toContainment("{\"order\": {\"id\": 7}}")).isEqualTo("{\"order\":{\"id\":7}}");
    }

    @Test
    void blankIsNoFilter() {
        assertThat(PayloadQuery.toContainment(null)).isNull();
        assertThat(PayloadQuery.toContainment("   ")).isNull();
    }

    @Test
    void whatCannotBeReadIsA400NamingTheField() {
        for (String bad : new String[] {"nocolon", ":x", "x:", "{bad", "[1]", "{", "a..b:1", ".a:1"}) {
            assertThatThrownBy(() -> PayloadQuery.toContainment(bad)).as(bad).isInstanceOf(BatonException.class)
                    .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).isEqualTo("q"));
        }
    }
}
