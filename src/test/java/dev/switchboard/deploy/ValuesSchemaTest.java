package dev.switchboard.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's {@code values.schema.json} types every {@code switchboard.*} property the
 * gateway binds, and nothing else: its {@code switchboard} subtree must equal the one
 * derived from the configuration processor's metadata (names, types, defaults and
 * descriptions come from the Java declarations), with {@code additionalProperties: false}
 * at every level, so a misspelt key fails {@code helm install}. When a property is added,
 * the test writes the expected subtree to {@code target/helm/} and says so.
 */
class ValuesSchemaTest {

	static final Path SCHEMA = HelmChartTest.CHART.resolve("values.schema.json");

	static final Path EXPECTED = Path.of("target/helm/switchboard-values-schema.json");

	static final ObjectMapper JSON = new ObjectMapper();

	static final Map<String, Object> DURATION = Map.of("oneOf",
			List.of(Map.of("type", "string", "pattern", "^([0-9]+(ns|us|ms|s|m|h|d)?|-?P.+)$"),
					Map.of("type", "integer", "minimum", 0)));

	static final Map<String, Object> DATA_SIZE = Map.of("oneOf", List
		.of(Map.of("type", "string", "pattern", "^[0-9]+(B|KB|MB|GB|TB)?$"), Map.of("type", "integer", "minimum", 0)));

	@Test
	@SuppressWarnings("unchecked")
	void theSwitchboardSubtreeTypesEveryPropertyTheGatewayBinds() throws Exception {
		Map<String, Object> expected = fromMetadata();
		Map<String, Object> schema = JSON.readValue(SCHEMA.toFile(), Map.class);
		Object actual = ((Map<?, ?>) schema.get("properties")).get("switchboard");
		if (!expected.equals(actual)) {
			Files.createDirectories(EXPECTED.getParent());
			JSON.writerWithDefaultPrettyPrinter().writeValue(EXPECTED.toFile(), expected);
		}
		assertThat(actual).as("values.schema.json properties.switchboard is out of date: replace it with %s", EXPECTED)
			.isEqualTo(expected);
	}

	/**
	 * The schema of {@code switchboard:} from
	 * META-INF/spring-configuration-metadata.json.
	 */
	@SuppressWarnings("unchecked")
	static Map<String, Object> fromMetadata() throws IOException, ClassNotFoundException {
		Map<String, Object> metadata = JSON
			.readValue(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile(), Map.class);
		Map<String, Object> root = object("Switchboard's own settings (README, Configuration reference).");
		for (Map<String, Object> property : (List<Map<String, Object>>) metadata.get("properties")) {
			String name = (String) property.get("name");
			if (!name.startsWith("switchboard.")) {
				continue;
			}
			String[] path = name.substring("switchboard.".length()).split("\\.");
			Map<String, Object> parent = root;
			for (int i = 0; i < path.length - 1; i++) {
				Map<String, Object> properties = (Map<String, Object>) parent.get("properties");
				parent = (Map<String, Object>) properties.computeIfAbsent(path[i], (key) -> object(null));
			}
			((Map<String, Object>) parent.get("properties")).put(path[path.length - 1], typed(property));
		}
		return root;
	}

	private static Map<String, Object> object(String description) {
		Map<String, Object> object = new LinkedHashMap<>();
		if (description != null) {
			object.put("description", description);
		}
		object.put("type", "object");
		object.put("additionalProperties", false);
		object.put("properties", new LinkedHashMap<String, Object>());
		return object;
	}

	private static Map<String, Object> typed(Map<String, Object> property) throws ClassNotFoundException {
		String type = (String) property.get("type");
		Map<String, Object> schema = new LinkedHashMap<>();
		Object defaultValue = property.get("defaultValue");
		String description = (String) property.get("description");
		String sentence = description.endsWith(".") ? description : description + ".";
		schema.put("description", sentence + ((defaultValue != null) ? " Default: " + defaultValue + "." : ""));
		switch (type) {
			case "java.time.Duration" -> schema.putAll(DURATION);
			case "org.springframework.util.unit.DataSize" -> schema.putAll(DATA_SIZE);
			case "java.lang.Boolean" -> schema.put("type", "boolean");
			case "java.lang.String" -> schema.put("type", "string");
			case "java.lang.Integer", "java.lang.Long" -> schema.put("type", "integer");
			case "java.util.List<java.lang.String>" -> {
				schema.put("type", "array");
				schema.put("items", Map.of("type", "string"));
			}
			case "java.util.Map<java.lang.String,java.lang.String>" -> {
				schema.put("type", "object");
				schema.put("additionalProperties", Map.of("type", "string"));
			}
			default -> {
				Class<?> enumType = Class.forName(type, false, ValuesSchemaTest.class.getClassLoader());
				List<String> values = new ArrayList<>();
				for (Object constant : enumType.getEnumConstants()) {
					String constantName = ((Enum<?>) constant).name();
					values.add(constantName.toLowerCase(Locale.ROOT).replace('_', '-'));
					values.add(constantName);
				}
				schema.put("type", "string");
				schema.put("enum", values);
			}
		}
		return schema;
	}

}
