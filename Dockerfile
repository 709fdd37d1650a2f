# One image, both binaries. Built on Debian bookworm like everything else.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libgrpc++-dev protobuf-compiler-grpc \
      libprotobuf-dev protobuf-compiler libabsl-dev nlohmann-json3-dev \
      libsqlite3-dev libavcodec-dev libavformat-dev libavutil-dev \
      libswscale-dev libx264-dev libfreetype-dev && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSTOPFRAME_BUILD_TESTS=OFF \
      -DSTOPFRAME_BUILD_BENCH=OFF && cmake --build build -j"$(nproc)"

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libsqlite3-0 libavcodec59 libavformat59 \
      libavutil57 libswscale6 libfreetype6 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/gateway/stopframe-gateway /usr/local/bin/
COPY --from=build /src/build/renderer/stopframe-renderer /usr/local/bin/
