# One image definition for every deployable module: the build stage runs the Maven build once
# (BuildKit shares it between the services of docker-compose.yml), the final stage keeps one jar.
#   docker build --build-arg MODULE=token-service -t rtvoice/token-service .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY kafka-broker/pom.xml kafka-broker/
COPY common/pom.xml common/
COPY upstream-sim/pom.xml upstream-sim/
COPY token-service/pom.xml token-service/
COPY session-service/pom.xml session-service/
COPY metrics-service/pom.xml metrics-service/
COPY alerting-service/pom.xml alerting-service/
COPY console/pom.xml console/
COPY stack/pom.xml stack/
COPY e2e/pom.xml e2e/
COPY . .
RUN mvn -B -q -DskipTests -pl upstream-sim,token-service,session-service,metrics-service,alerting-service,console -am package

FROM eclipse-temurin:17-jre
ARG MODULE
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 rtvoice
COPY --from=build /src/${MODULE}/target/${MODULE}.jar /app/app.jar
USER rtvoice
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
