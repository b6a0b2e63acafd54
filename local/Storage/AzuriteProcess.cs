using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Serverless.Local.Storage;

/// <summary>
/// Azurite, the storage emulator, started as three node processes (blob, queue, table) so the services use
/// separate cores instead of sharing one event loop. Installed with <c>npm ci</c> from the pinned
/// package-lock.json when missing; stopped when disposed.
/// </summary>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly string[] Services = ["blob", "queue", "table"];
    public static IReadOnlyList<int> DefaultPorts { get; } = [10000, 10001, 10002];
    private readonly List<Process> _processes;

    private AzuriteProcess(List<Process> processes, int[] ports)
    {
        _processes = processes;
        Ports = ports;
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>The node processes' ids, by service: blob, queue, table (for measuring their CPU time).</summary>
    public IReadOnlyList<int> ProcessIds => _processes.Select(p => p.Id).ToArray();

    public string ConnectionString => ConnectionStringFor(Ports);

    public static string ConnectionStringFor(IReadOnlyList<int> ports) => string.Create(
        CultureInfo.InvariantCulture,
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;");

    /// <summary>Whether something already listens on Azurite's default ports (an emulator the user started).</summary>
    public static bool DefaultPortsInUse() => DefaultPorts.All(IsListening);

    /// <summary>
    /// Starts Azurite under <paramref name="appRoot"/>. <paramref name="location"/> persists state there; null keeps
    /// it in memory. The default ports are used when free so tools like Storage Explorer find it; otherwise free ones.
    /// <paramref name="ports"/> (blob, queue, table) asks for given ones instead: a restart where clients still point.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(
        string appRoot,
        string? location,
        ILogger logger,
        bool preferDefaultPorts = true,
        IReadOnlyList<int>? ports = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var scripts = Services.Select(s => Path.Combine(appRoot, "node_modules", "azurite", "dist", "src", s, "main.js")).ToArray();
        if (!scripts.All(File.Exists))
        {
            LogInstalling(logger, appRoot);
            await RunToEndAsync("npm", "ci --no-audit --no-fund", appRoot, cancellationToken).ConfigureAwait(false);
        }

        int[] chosen = ports is not null ? [.. ports]
            : preferDefaultPorts && !DefaultPorts.Any(IsListening) ? [.. DefaultPorts]
            : Services.Select(_ => FreePort()).ToArray();
        var processes = new List<Process>();
        var azurite = new AzuriteProcess(processes, chosen);
        try
        {
            for (var i = 0; i < Services.Length; i++)
            {
                processes.Add(StartService(scripts[i], Services[i], chosen[i], location));
            }

            await WaitUntilListeningAsync(processes, chosen, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LogStarted(logger, chosen[0], chosen[1], chosen[2], location ?? "memory");
        return azurite;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Stops Azurite with SIGINT so it saves its database: its state lives in memory and reaches disk every few
    /// seconds, so a plain kill would lose the last writes (a finished job would read as running after restart).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await StopAsync(process).ConfigureAwait(false);
            process.Dispose();
        }
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            if (!OperatingSystem.IsWindows())
            {
                using var interrupt = Process.Start(new ProcessStartInfo("kill", $"-INT {process.Id}") { UseShellExecute = false });
                using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(graceful.Token).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException)
                {
                    // Did not stop in time: fall through to a kill.
                }
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static Process StartService(string script, string service, int port, string? location)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", $"--{service}Host", "127.0.0.1", $"--{service}Port", port.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        if (location is null)
        {
            info.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            info.ArgumentList.Add("--location");
            info.ArgumentList.Add(location);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node; is Node.js installed?");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilListeningAsync(List<Process> processes, int[] ports, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!ports.All(IsListening))
        {
            if (processes.Any(p => p.HasExited))
            {
                throw new InvalidOperationException($"Azurite exited at start (ports {string.Join(", ", ports)} may be taken).");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Azurite did not start listening within 60 s.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task RunToEndAsync(string file, string arguments, string directory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {arguments}' failed with exit code {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing Azurite with npm ci in {AppRoot}")]
    private static partial void LogInstalling(ILogger logger, string appRoot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Azurite started: blob {BlobPort}, queue {QueuePort}, table {TablePort}, state in {Location}")]
    private static partial void LogStarted(ILogger logger, int blobPort, int queuePort, int tablePort, string location);
}
