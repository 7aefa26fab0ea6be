using Grpc.Core;
using Grpc.Core.Interceptors;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// The one place where failures become statuses: a domain error (<see cref="DomainException"/>) as
/// <see cref="ApiErrors"/> maps it; a failed database call as <see cref="DatabaseFailures"/> classifies
/// it (a locked or failing database answers Unavailable, a concurrent creation AlreadyExists; nothing
/// of the call was committed); anything else Internal with a reference to the log, instead of gRPC's
/// bare "Exception was thrown by handler".
/// </summary>
public sealed partial class ApiErrorInterceptor(ILogger<ApiErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException and not OperationCanceledException)
        {
            throw Translate(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException and not OperationCanceledException)
        {
            throw Translate(e, context);
        }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (exception is DomainException domain)
        {
            return ApiErrors.From(domain);
        }

        var reference = context.GetHttpContext().TraceIdentifier;
        var (kind, message) = DatabaseFailures.Classify(exception);
        var status = kind switch
        {
            StateFailureKind.Unavailable => StatusCode.Unavailable,
            StateFailureKind.AlreadyExists => StatusCode.AlreadyExists,
            StateFailureKind.Conflict => StatusCode.Aborted,
            StateFailureKind.MissingReference => StatusCode.FailedPrecondition,
            StateFailureKind.Damaged => StatusCode.Internal,
            _ => StatusCode.Internal,
        };
        if (kind is StateFailureKind.None)
        {
            message = "internal error";
        }

        if (status == StatusCode.Internal)
        {
            LogUnexpected(exception, context.Method, reference);
        }
        else
        {
            LogDatabaseFailed(exception, context.Method, status, reference);
        }

        return new RpcException(new Status(status, $"{message} (reference {reference})"));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: state database call failed, answered {Status} (reference {Reference})")]
    private partial void LogDatabaseFailed(Exception exception, string method, StatusCode status, string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method}: unexpected failure (reference {Reference})")]
    private partial void LogUnexpected(Exception exception, string method, string reference);
}
