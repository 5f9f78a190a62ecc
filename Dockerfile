# One image definition for every deployable module: the build stage runs the Maven build once
# (BuildKit shares it between the services of docker-compose.yml), the final stage keeps one jar.
#   docker build --build-arg MODULE=token-service -t rtvoice/token-service .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
ARG MODULES=upstream-sim,token-service,session-service,metrics-service,alerting-service,console

# 1. The poms alone, then every dependency and plugin they need: this layer is rebuilt only when a
#    pom changes, not on every source change. The suite's own modules are built in step 2.
COPY pom.xml .
COPY kafka-broker/pom.xml kafka-broker/
COPY broker-launcher/pom.xml broker-launcher/
COPY common/pom.xml common/
COPY upstream-sim/pom.xml upstream-sim/
COPY token-service/pom.xml token-service/
COPY session-service/pom.xml session-service/
COPY metrics-service/pom.xml metrics-service/
COPY alerting-service/pom.xml alerting-service/
COPY console/pom.xml console/
COPY stack/pom.xml stack/
COPY e2e/pom.xml e2e/
RUN mvn -B -q dependency:go-offline -DexcludeGroupIds=dev.rtvoice -pl ${MODULES} -am

# 2. The sources (see .dockerignore) and the build. Not offline: go-offline misses a few artifacts
#    that plugins resolve only when they run; they come from the network in this layer.
COPY . .
RUN mvn -B -q -DskipTests -pl ${MODULES} -am package

FROM eclipse-temurin:17-jre
ARG MODULE
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 rtvoice
COPY --from=build /src/${MODULE}/target/${MODULE}.jar /app/app.jar
USER 10001
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
