using Google.Rpc;
using Grpc.Core;
using SmartTerminal.PolicyService.Errors;

namespace SmartTerminal.PolicyService.Api;

/// <summary>The precise gRPC status of each domain error (InvalidArgument carries a google.rpc.BadRequest).</summary>
public static class ApiErrors
{
    public static RpcException From(DomainException exception) => exception switch
    {
        InvalidInputException invalid => Invalid(invalid.Violations),
        _ => new RpcException(new Grpc.Core.Status(CodeOf(exception), exception.Message)),
    };

    private static StatusCode CodeOf(DomainException exception) => exception switch
    {
        NotFoundException => StatusCode.NotFound,
        ForbiddenException => StatusCode.PermissionDenied,
        PreconditionFailedException => StatusCode.FailedPrecondition,
        ConflictException => StatusCode.Aborted,
        AlreadyExistsException => StatusCode.AlreadyExists,
        TooManyAttemptsException => StatusCode.ResourceExhausted,
        DependencyUnavailableException => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    // Every offending field in a google.rpc.BadRequest, the summary (bounded) in the message.
    private static RpcException Invalid(IEnumerable<Errors.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations.Select(v => new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
        var summary = string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = summary.Length > 500 ? summary[..500] + "..." : summary,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        }.ToRpcException();
    }
}
