package tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PostgresTestServerTest {

    @Test
    void runsARealServerWithAPasswordAndSurvivesAStopAndStart() throws Exception {
        try (PostgresTestServer pg = PostgresTestServer.startOrSkip()) {
            try (Connection c = pg.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(PostgresTestServer.USER);
                c.createStatement().execute("CREATE TABLE kept (n int)");
                c.createStatement().execute("INSERT INTO kept VALUES (7)");
            }
            assertThatThrownBy(() -> DriverManager.getConnection(pg.jdbcUrl(PostgresTestServer.DATABASE),
                    PostgresTestServer.USER, "wrong")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            pg.stop();
            assertThatThrownBy(pg::connect).isInstanceOf(SQLException.class);
            pg.start();
            try (Connection c = pg.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT n FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(7);
            }
        }
    }
}
