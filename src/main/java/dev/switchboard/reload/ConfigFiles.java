package dev.switchboard.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * The configuration files a running gateway follows, read as Spring Boot reads them.
 * Files are read by path each time, so a Kubernetes ConfigMap update (which swaps the
 * {@code ..data} symlink the mounted files point through) is seen like any edit of a
 * plain file.
 */
final class ConfigFiles {

	/**
	 * How Spring Boot names the property sources of a file:
	 * {@code Config resource 'file [/config/application.yml]' ...}.
	 */
	private static final Pattern FILE_SOURCE = Pattern.compile("Config resource 'file \\[(.+?)\\]'");

	private final List<Path> paths;

	ConfigFiles(List<Path> paths) {
		this.paths = List.copyOf(paths);
	}

	/**
	 * The files the environment's configuration came from, or {@code explicit} when
	 * given.
	 */
	static ConfigFiles of(ConfigurableEnvironment environment, List<String> explicit) {
		Set<Path> paths = new LinkedHashSet<>();
		if (!explicit.isEmpty()) {
			explicit.forEach((file) -> paths.add(Path.of(file).toAbsolutePath()));
		}
		else {
			for (PropertySource<?> source : environment.getPropertySources()) {
				Path file = fileOf(source.getName());
				if (file != null) {
					paths.add(file);
				}
			}
		}
		return new ConfigFiles(new ArrayList<>(paths));
	}

	/** The file a property source was loaded from, or null. */
	static Path fileOf(String sourceName) {
		Matcher matcher = FILE_SOURCE.matcher(sourceName);
		return matcher.find() ? Path.of(matcher.group(1)).toAbsolutePath() : null;
	}

	List<Path> paths() {
		return this.paths;
	}

	boolean isEmpty() {
		return this.paths.isEmpty();
	}

	/** A digest of every file's current content (a missing file counts as empty). */
	String digest() throws IOException {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (Path path : this.paths) {
				digest.update(path.toString().getBytes(StandardCharsets.UTF_8));
				if (Files.exists(path)) {
					digest.update(Files.readAllBytes(path));
				}
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The property sources of one file, named as Spring Boot names them, so they can
	 * stand where the old ones stood.
	 * @throws IOException with the parser's reason when the file is not valid YAML or
	 * properties
	 */
	static List<PropertySource<?>> load(Path path) throws IOException {
		String name = "Config resource 'file [" + path + "]' via switchboard reload";
		PropertySourceLoader loader = path.toString().endsWith(".properties") ? new PropertiesPropertySourceLoader()
				: new YamlPropertySourceLoader();
		if (!Files.exists(path)) {
			return List.of();
		}
		try {
			return loader.load(name, new FileSystemResource(path));
		}
		catch (RuntimeException ex) {
			throw new IOException(ex.getMessage(), ex);
		}
	}

}
