package dev.metis.inventory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;

/** The two Jackson set-ups Metis uses: binding inventory data, and writing YAML people and cloud-init read. */
public final class Mappers {

    private static final ObjectMapper BINDING = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .disable(YAMLGenerator.Feature.SPLIT_LINES)
                    .stringQuotingChecker(new Yaml11SafeQuoting())
                    .build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Mappers() {
    }

    /**
     * Jackson quotes what YAML 1.2 would misread; cloud-init reads YAML 1.1, where a MAC such as
     * {@code 52:54:00:20:00:11} is a base-60 integer and {@code 0600} an octal one. Quote anything
     * made only of digits and number punctuation.
     */
    private static final class Yaml11SafeQuoting extends StringQuotingChecker.Default {

        private static final java.util.regex.Pattern NUMBER_LIKE = java.util.regex.Pattern.compile("[-+]?[0-9][0-9_:.,]*");

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || NUMBER_LIKE.matcher(value).matches();
        }
    }

    /** Snake-case binding of plain maps and lists into the inventory records. */
    public static ObjectMapper binding() {
        return BINDING;
    }

    /** Deterministic block-style YAML: insertion order kept, strings quoted only where YAML needs it. */
    public static YAMLMapper yaml() {
        return YAML;
    }
}
