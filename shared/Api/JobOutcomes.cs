namespace Serverless.Api;

public enum CancelOutcome
{
    NotFound,
    AlreadyFinished,
    Canceling,
}

public enum RedriveOutcome
{
    NotFound,
    NotFinished,
    NothingToRedrive,
    Redriving,
}

/// <summary>Suspend and resume: only a running job can be suspended, only a suspended one resumed.</summary>
public enum PauseOutcome
{
    NotFound,
    WrongState,
    Accepted,
}

public enum PurgeOutcome
{
    NotFound,
    StillRunning,
    Purged,
}

/// <summary>What a purge removed: the job's instances (the job and its ranges) and, when asked, its blobs.</summary>
public sealed record PurgeReport(string JobId, PurgeOutcome Outcome, int Instances = 0, int Blobs = 0);

public enum StageCallbackOutcome
{
    NotFound,
    NoStage,
    MissingSecret,
    WrongSecret,
    AlreadyFinished,
    Authorized,
}
