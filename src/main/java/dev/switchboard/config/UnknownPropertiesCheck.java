package dev.switchboard.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Stops startup when a {@code switchboard.*} property is misspelt or unknown, naming it
 * and the nearest valid name: a typo such as {@code switchboard.idle-timout} would
 * otherwise be silently ignored and the gateway run on a default nobody chose. Runs
 * before any bean is created.
 *
 * Environment variables are only warned about: Kubernetes injects {@code <SERVICE>_PORT},
 * {@code <SERVICE>_SERVICE_HOST}, ... for every Service in the namespace, and a Service
 * named {@code switchboard} would otherwise stop its own pods (the chart also turns those
 * variables off with {@code enableServiceLinks: false}).
 */
public class UnknownPropertiesCheck implements BeanFactoryPostProcessor, EnvironmentAware {

	private static final Log logger = LogFactory.getLog(UnknownPropertiesCheck.class);

	private ConfigurableEnvironment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = (ConfigurableEnvironment) environment;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		check(this.environment, beanFactory.getBeanClassLoader());
	}

	/**
	 * Checks an environment: the running one at startup, or a new configuration before it
	 * is adopted.
	 * @throws InvalidSettingsException naming every unknown property and the nearest
	 * valid name
	 */
	public static void check(ConfigurableEnvironment environment, ClassLoader classLoader) {
		KnownProperties known = KnownProperties.load(classLoader);
		if (known.isEmpty()) {
			logger.warn("Cannot check switchboard.* properties for typos: no " + KnownProperties.METADATA
					+ " on the class path (build with Maven to generate it)");
			return;
		}
		List<String> problems = new ArrayList<>();
		Set<String> seen = new LinkedHashSet<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			boolean environmentVariables = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME
				.equals(nameOf(source));
			iterable.stream()
				.filter((name) -> KnownProperties.ROOT.isAncestorOf(name) && !known.contains(name))
				.filter((name) -> seen.add(name.toString()))
				.forEach((name) -> {
					if (environmentVariables) {
						logger.warn("Environment variable for " + known.describeUnknown(name.toString()) + "; ignored");
					}
					else {
						problems.add(known.describeUnknown(name.toString()));
					}
				});
		}
		if (!problems.isEmpty()) {
			throw new InvalidSettingsException(String.join("; ", problems)
					+ ". Fix the name in application.yml or on the command line (see README, Configuration reference)",
					null);
		}
	}

	private static String nameOf(ConfigurationPropertySource source) {
		return (source.getUnderlyingSource() instanceof PropertySource<?> propertySource) ? propertySource.getName()
				: "";
	}

}
