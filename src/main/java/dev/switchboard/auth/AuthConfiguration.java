package dev.switchboard.auth;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.switchboard.config.RouteSettings;

/** JWT authentication at the handshake. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuthSettings.class)
class AuthConfiguration {

	@Bean
	RouteSettings<AuthSettings> switchboardAuthSettings(AuthSettings defaults, ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", AuthSettings.class, defaults, environment,
				(settings, prefix) -> settings.check(prefix));
	}

	@Bean
	JwtPolicy switchboardJwtPolicy(RouteSettings<AuthSettings> settings) {
		return new JwtPolicy(settings);
	}

	@Bean
	JwtHttpFilter switchboardJwtHttpFilter(JwtPolicy policy) {
		return new JwtHttpFilter(policy);
	}

}
