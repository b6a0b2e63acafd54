using System.Diagnostics;
using System.Text;

using Serverless.Tests.Build;

namespace Serverless.Infra.Tests.Support;

/// <summary>What one run of the Bicep CLI did.</summary>
internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>stderr is where Bicep writes every diagnostic (errors, warnings, infos).</summary>
    public string Describe() => $"exit code {ExitCode}; diagnostics:{Environment.NewLine}{StandardError}";
}

/// <summary>
/// Runs the Bicep compiler from the Azure.Bicep.CommandLine.linux-x64 package (tools/bicep in the NuGet
/// cache; the package path is written into this assembly at build time). BICEP_PATH overrides it.
/// </summary>
internal static class BicepCli
{
    // azd and the README feed main.bicepparam through these; a test must not see the developer's values.
    private static readonly string[] ParameterEnvironmentVariables =
    [
        "AZURE_ENV_NAME", "AZURE_LOCATION", "GPU_PROFILE", "GPU_JOB_IMAGE", "GPU_JOB_REGISTRY_SERVER",
        "GPU_JOB_REPLICA_TIMEOUT_SECONDS", "GPU_JOB_REPLICA_RETRY_LIMIT", "FUNCTION_MAXIMUM_INSTANCE_COUNT",
        "LOG_RETENTION_IN_DAYS",
    ];

    private static readonly Lazy<string> Executable = new(FindExecutable);

    public static string Path => Executable.Value;

    public static async Task<BicepResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Executable.Value)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in ParameterEnvironmentVariables)
        {
            startInfo.Environment.Remove(name);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {Executable.Value}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var standardOutput = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var standardError = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new BicepResult(process.ExitCode, await standardOutput, (await standardError).Trim());
    }

    private static string FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (string.IsNullOrEmpty(path))
        {
            path = BuildMetadata.Get("BicepPath");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                "The Bicep CLI was not found. It comes from the Azure.Bicep.CommandLine.linux-x64 package (restore the test project) or from BICEP_PATH.",
                path);
        }

        // NuGet extracts package files without the execute bit on some machines.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return path;
    }
}
