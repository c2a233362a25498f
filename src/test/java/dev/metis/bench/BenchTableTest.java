package dev.metis.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchTableTest {

    private static final String HTTP = "LFFR.";

    private static String http(String bigRow) {
        return """
                user-data is 654 bytes
                | workload (wrk -t2, 1s, loopback, 2 cores) | Metis | nginx | ratio | target |
                |---|---|---|---|---|
                | Metis user-data vs nginx 1 KiB static file, 64 connections | 73656 req/s (p99 6.45 ms) | 68879 req/s (p99 3.85 ms) | 1.07x | >= 0.5x |
                """ + bigRow + "\n";
    }

    @Test
    void passesFiguresARealRunGives() {
        BenchTable table = BenchTable.parse(http("| 64 MiB asset, 8 connections | 2.06 GB/s | 2.19 GB/s | 0.94x | >= 0.8x |"));

        assertThat(table.rows()).hasSize(2);
        assertThat(table.implausible(HTTP)).isEmpty();
    }

    @Test
    void failsTheTableOfIssue24NamingRowAndColumns() {
        // What bench/http printed when wrk's "2.00GB" was read as 2 bytes.
        BenchTable table = BenchTable.parse(
                http("| 64 MiB asset, 8 connections | 1.69 GB/s | 0.00 GB/s | 842887332.00x | >= 0.8x |"));

        assertThat(table.implausible(HTTP)).containsExactly(
                "row '64 MiB asset, 8 connections', column 'nginx': '0.00 GB/s' is zero or negative",
                "row '64 MiB asset, 8 connections', column 'ratio': '842887332.00x' is outside 0.01x to 100x,"
                        + " what a real run gives");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "0 req/s (p99 6.45 ms); is zero or negative",
        "73656 req/s (p99 0.00 ms); is zero or negative",
        "-3 req/s (p99 6.45 ms); is zero or negative",
        "nan req/s (p99 6.45 ms); is not a number",
        "73656 req/s (p99 -nan ms); is not a number",
        "inf req/s (p99 6.45 ms); is not a number",
        "req/s (p99 6.45 ms); is not a number",
        "''; is not a number",
        "n/a; is not a number",
    })
    void failsAFigureThatIsNotAPositiveNumber(String figure, String problem) {
        BenchTable table = BenchTable.parse(
                http("| 64 MiB asset, 8 connections | " + figure + " | 2.19 GB/s | 0.94x | >= 0.8x |"));

        assertThat(table.implausible(HTTP))
                .containsExactly("row '64 MiB asset, 8 connections', column 'Metis': '" + figure + "' " + problem);
    }

    @ParameterizedTest
    @CsvSource({"0.00x", "0.009x", "100.01x", ".94x", "x", "0.94", "nanx"})
    void failsARatioOutsideWhatARealRunGives(String ratio) {
        BenchTable table = BenchTable.parse(
                http("| 64 MiB asset, 8 connections | 2.06 GB/s | 2.19 GB/s | " + ratio + " | >= 0.8x |"));

        assertThat(table.implausible(HTTP)).singleElement().asString()
                .startsWith("row '64 MiB asset, 8 connections', column 'ratio': '" + ratio + "' is ");
    }

    @ParameterizedTest
    @CsvSource({"0.01x", "1.00x", "100.00x"})
    void passesARatioAtTheBounds(String ratio) {
        BenchTable table = BenchTable.parse(
                http("| 64 MiB asset, 8 connections | 2.06 GB/s | 2.19 GB/s | " + ratio + " | >= 0.8x |"));

        assertThat(table.implausible(HTTP)).isEmpty();
    }

    @Test
    void readsEscapedBordersAndFiguresNotMeasured() {
        String image = """
                | target | image | source | anchor | anchor MB/s | metis MB/s (without verify) | ratio | metis write phase MB/s | its ratio | metis first use MB/s | metis verify MB/s | anchor with conv=sparse MB/s |
                |---|---|---|---|---|---|---|---|---|---|---|---|
                | card: loop device, 60 MB/s | 1 GiB | .img.xz | xz -dc \\| dd bs=4M oflag=direct conv=fsync | 57.9 | 55.1 | 0.95x | 59.0 | 1.01x | - | 1590.2 | - |
                """;

        assertThat(BenchTable.parse(image).implausible("LLLLFFRFRfFf")).isEmpty();
        assertThat(BenchTable.parse(image).implausible("LLLLFFRFRFFf")).containsExactly(
                "row 'card: loop device, 60 MB/s', column 'metis first use MB/s': '-' is not a number");
    }

    @Test
    void failsARowWithCellsMissing() {
        BenchTable table = BenchTable.parse(http("| 64 MiB asset, 8 connections | 2.06 GB/s | 0.94x |"));

        assertThat(table.implausible(HTTP))
                .containsExactly("row '64 MiB asset, 8 connections': 3 cells, the layout has 5");
    }

    @Test
    void refusesOutputWithoutATable() {
        assertThatThrownBy(() -> BenchTable.parse("wrk: connection refused\n"))
                .hasMessage("no Markdown table in the output");
    }
}
