namespace SmartTerminal.PolicyService.Errors;

/// <summary>
/// What the service's domain code says when a request cannot be done, in its own terms; the API layer
/// turns each kind into its precise gRPC status (ApiErrorInterceptor), so no registry or policy class
/// knows about gRPC. The message is for the caller: it names what to change, never another tenant's data.
/// </summary>
public abstract class DomainException(string message) : Exception(message);

/// <summary>It does not exist, or the caller may not know that it does (NotFound).</summary>
public sealed class NotFoundException(string what, string id) : DomainException($"{what} '{id}' not found");

/// <summary>The caller may not do this with what it is allowed to see (PermissionDenied).</summary>
public sealed class ForbiddenException(string message) : DomainException(message);

/// <summary>The state does not allow it now: something must change first (FailedPrecondition).</summary>
public sealed class PreconditionFailedException(string message) : DomainException(message);

/// <summary>A concurrent change won (optimistic concurrency): read again and retry (Aborted).</summary>
public sealed class ConflictException(string message) : DomainException(message);

/// <summary>It exists already (AlreadyExists).</summary>
public sealed class AlreadyExistsException(string message) : DomainException(message);

/// <summary>Too many attempts in a window (ResourceExhausted).</summary>
public sealed class TooManyAttemptsException(string message) : DomainException(message);

/// <summary>A store the request needs (the telemetry database) cannot be reached now (Unavailable).</summary>
public sealed class DependencyUnavailableException(string message) : DomainException(message);

/// <summary>One field that breaks a bound, with what the bound is.</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>The request breaks bounds: every offending field at once (InvalidArgument with google.rpc.BadRequest).</summary>
public sealed class InvalidInputException(IReadOnlyList<FieldViolation> violations)
    : DomainException(string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")))
{
    public InvalidInputException(string field, string description)
        : this([new FieldViolation(field, description)])
    {
    }

    public IReadOnlyList<FieldViolation> Violations { get; } = violations;
}
