using BenchmarkDotNet.Running;

// Run from the repository root: dotnet run -c Release --project bench/Bridge.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Bridge.Bench.MappingRunBenchmarks).Assembly).Run(args);
