package dev.baton.coordinator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronWordsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "* * * * * *         | every second",
        "*/10 * * * * *      | every 10 seconds",
        "0 * * * * *         | every minute",
        "0 */5 * * * *       | every 5 minutes",
        "30 */1 * * * *      | every minute at second 30",
        "0 15 * * * *        | every hour at minute 15",
        "0 0 */6 * * *       | every 6 hours at minute 0",
        "0 0 3 * * *         | at 03:00 every day",
        "0 30 9 * * MON-FRI  | at 09:30, Monday to Friday",
        "0 30 9 ? * 1-5      | at 09:30, Monday to Friday",
        "0 0 8,20 * * *      | at 08:00 and 20:00 every day",
        "15 0 12 * * SAT,SUN | at 12:00:15 on Saturdays and Sundays",
        "0 0 0 * * 0         | at 00:00 on Sundays",
        "0 0 3 1 * *         | at 03:00 on day 1 of every month",
        "0 0 9 25 DEC *      | at 09:00 on December 25",
        "0 */5 * * * MON     | every 5 minutes on Mondays",
    })
    void commonShapesAreSaidInWords(String cron, String words) {
        assertThat(CronWords.of(cron)).isEqualTo(words);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0 0-30 * * * *",
        "0 0 3 L * *",
        "0 0 3 1 * MON",
        "0 0 25 * * *",
        "0 0 3 * * MON#2",
        "0 0 3",
        "0 0 3 * JAN-MAR *",
    })
    void otherShapesAreNotGuessedAt(String cron) {
        assertThat(CronWords.of(cron)).isNull();
    }
}
